"""GUI test setup, after napari: a test that leaves pool work or a timer running fails."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThreadPool


@pytest.fixture(autouse=True)
def _no_leftover_pool_work(qapp: object) -> Iterator[None]:
    yield
    pool = QThreadPool.globalInstance()
    assert pool.waitForDone(10_000), "a test left work running in the global thread pool"
    assert pool.activeThreadCount() == 0


@pytest.fixture
def workstation(qtbot: object, live_service: object, tmp_path: object) -> Iterator[object]:
    """The real workstation wired to the real service on loopback, signed in as the demo
    specialist (refresh token in the real OS keyring, under a per-test service name)."""
    import uuid
    from pathlib import Path

    from PySide6.QtCore import QSettings

    from reviewer_app.config import ClientConfig
    from ui.app import build_window

    tmp = Path(str(tmp_path))
    config = ClientConfig(server_url=live_service.url,  # type: ignore[attr-defined]
                          data_dir=tmp / "client",
                          keyring_service=f"reviewer-app-test-{uuid.uuid4().hex[:8]}")
    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    ws = build_window(config, settings)
    qtbot.addWidget(ws.window)  # type: ignore[attr-defined]
    user, password = live_service.accounts.specialist  # type: ignore[attr-defined]
    ws.session.login(user, password)
    ws.window.show()
    ws.window.activateWindow()
    ws.start_after_login()
    try:
        yield ws
    finally:
        ws.shutdown()
        assert ws.workers.decode_pool.activeThreadCount() == 0
        assert ws.workers.session_pool.activeThreadCount() == 0
