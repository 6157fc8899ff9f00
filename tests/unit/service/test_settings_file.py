"""The installed service's settings file (`--config`, /etc/reviewer-service/*.toml in the
.deb): its values become the commands' defaults, explicit options still win, and a misspelt
key or a wrong value stops the command with the key's name (never silently the default)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from reviewer_app.service.settings import SettingsFileError, read_settings_file

TEMPLATE = (Path(__file__).resolve().parents[3] / "packaging" / "debian" / "reviewer-service"
            / "reviewer-service.toml")


def service(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reviewer_app.service", *args],
                          capture_output=True, text=True, timeout=120)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "service.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_packaged_template_is_valid_and_points_at_the_state_directory() -> None:
    config = read_settings_file(TEMPLATE)
    assert config.settings.db_url == (
        "sqlite:////var/lib/reviewer-service/reviewer-service.sqlite3")
    assert (config.host, config.port) == ("127.0.0.1", 8080)
    assert config.settings.access_log is True


def test_any_service_setting_is_a_key(tmp_path: Path) -> None:
    path = write(tmp_path, 'db_url = "sqlite:///x.db"\nport = 9000\nlease_ttl_s = 120\n'
                           'access_token_ttl_s = 60\n')
    config = read_settings_file(path)
    assert config.port == 9000
    assert (config.settings.lease_ttl_s, config.settings.access_token_ttl_s) == (120, 60)


@pytest.mark.parametrize(("text", "named"), [
    ('db_url = "sqlite:///x.db"\nlease_tt = 3\n', "lease_tt"),
    ('db_url = "sqlite:///x.db"\nport = 0\n', "port"),
    ('port = 8080\n', "db_url"),
    ('db_url = "postgresql+psycopg://u:s3cret@db/x"\nlog_format = "xml"\n', "log_format"),
])
def test_a_wrong_key_or_value_is_refused_by_name(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(SettingsFileError) as caught:
        read_settings_file(write(tmp_path, text))
    assert named in str(caught.value)
    assert "s3cret" not in str(caught.value)  # a password in db_url is never repeated


def test_not_toml_and_missing_files_say_so(tmp_path: Path) -> None:
    with pytest.raises(SettingsFileError, match="not valid TOML"):
        read_settings_file(write(tmp_path, "db_url = \n"))
    with pytest.raises(SettingsFileError, match="cannot read"):
        read_settings_file(tmp_path / "absent.toml")


def test_commands_take_the_database_from_the_file(tmp_path: Path) -> None:
    db = tmp_path / "state" / "service.sqlite3"
    db.parent.mkdir()
    path = write(tmp_path, f'db_url = "sqlite:///{db}"\nport = 1\n')
    migrated = service("migrate", "--config", str(path))
    assert migrated.returncode == 0, migrated.stderr
    added = subprocess.run(
        [sys.executable, "-m", "reviewer_app.service", "user", "add", "alice", "--role",
         "specialist", "--team", "t1", "--config", str(path)],
        input="a-long-enough-password\n", capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, added.stderr
    users = sqlite3.connect(db).execute("select username from users").fetchall()
    assert users == [("alice",)]


def test_an_explicit_option_wins_over_the_file(tmp_path: Path) -> None:
    in_file = tmp_path / "from-file.sqlite3"
    explicit = tmp_path / "explicit.sqlite3"
    path = write(tmp_path, f'db_url = "sqlite:///{in_file}"\n')
    result = service("migrate", "--config", str(path), "--db", f"sqlite:///{explicit}")
    assert result.returncode == 0, result.stderr
    assert explicit.exists()
    assert not in_file.exists()


def test_a_bad_file_stops_the_command_with_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path, 'db_url = "sqlite:///x.db"\nlease_tt = 3\n')
    result = service("migrate", "--config", str(path))
    assert result.returncode == 2
    assert "lease_tt" in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_no_database_at_all_is_a_usage_error() -> None:
    result = service("migrate")
    assert result.returncode == 2
    assert "--db URL, or --config FILE" in result.stderr
