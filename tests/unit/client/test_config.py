"""ClientConfig refuses settings that would leak tokens or lose TLS."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from reviewer_app.config import ClientConfig, MiB, is_loopback_host


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:1", "http://[::1]:9",
                                 "https://review.example.org", "https://10.0.0.5:8443/"])
def test_accepts_https_anywhere_and_http_on_loopback(url: str, tmp_path: Path) -> None:
    config = ClientConfig(server_url=url, data_dir=tmp_path)
    assert not config.server_url.endswith("/")


@pytest.mark.parametrize("url", ["http://review.example.org", "http://10.0.0.5:8000",
                                 "http://127.0.0.1.example.com"])
def test_refuses_plain_http_to_other_hosts(url: str) -> None:
    with pytest.raises(ValidationError, match="refusing plain http"):
        ClientConfig(server_url=url)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1", "127.0.0.1:8000", "https://",
                                 "https://user:pw@review.example.org"])
def test_refuses_urls_that_are_not_a_service(url: str) -> None:
    with pytest.raises(ValidationError):
        ClientConfig(server_url=url)


def test_defaults_bound_media_memory_and_use_per_user_dirs() -> None:
    config = ClientConfig(server_url="https://review.example.org")
    assert config.media_max_bytes == 64 * MiB
    assert config.prefetch_budget_bytes == 256 * MiB
    assert config.keyring_service == "reviewer-app"
    assert "reviewer-app" in str(config.data_dir)
    assert config.store_path.parent == config.data_dir


def test_loopback_detection() -> None:
    assert is_loopback_host("127.0.0.2")
    assert is_loopback_host("LOCALHOST")
    assert not is_loopback_host("192.168.1.1")
    assert not is_loopback_host("localhost.evil.example")
