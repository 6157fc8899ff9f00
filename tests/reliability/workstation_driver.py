"""The real workstation (ui.app.build_window: session, sync engine, review flow, wellness
monitor, window) in a child process, offscreen, for tests that kill it or move its clock.

It prints one JSON object per line: `ready`, `state` (whenever the safeguards' state, the
overlay or the restore changes, and every second), `revealed` (after it revealed the open case
through the keyboard, as a reviewer does), `decided`. The parent reads them, kills it, runs it
again under libfaketime, and checks the service. Nothing here reads a clock the app does not.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from reviewer_app.config import ClientConfig  # noqa: E402
from reviewer_app.domain import ExposureKind  # noqa: E402
from safeguards import Window  # noqa: E402
from ui.app import build_window  # noqa: E402
from ui.imaging import RevealStep  # noqa: E402


def say(kind: str, **fields: Any) -> None:
    print(json.dumps({"kind": kind, **fields}, default=str), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--keyring-service", required=True)
    parser.add_argument("--reveal", action="store_true",
                        help="reveal the first case (hold Space) once it is on screen")
    parser.add_argument("--hold-ms", type=int, default=400)
    parser.add_argument("--decide", action="store_true",
                        help="then decide it (R) as soon as the gate allows")
    parser.add_argument("--sync-every", type=float, default=1.0,
                        help="seconds between sync passes (the app's default is 30)")
    args = parser.parse_args()

    app = QApplication(sys.argv[:1])
    config = ClientConfig(server_url=args.server, data_dir=args.data_dir,
                          keyring_service=args.keyring_service)
    settings = QSettings(str(args.data_dir / "settings.ini"), QSettings.Format.IniFormat)
    ws = build_window(config, settings)
    ws.sync.idle_s = args.sync_every
    if ws.session.resume() is None:
        ws.session.login(os.environ["DRIVER_USER"], os.environ["DRIVER_PASSWORD"])
    window, viewer, flow, wellness = ws.window, ws.window.viewer, ws.flow, ws.wellness
    window.show()
    window.activateWindow()
    ws.start_after_login()
    say("ready")

    last: dict[str, Any] = {}
    plan = {"revealed": not args.reveal, "decided": not args.decide}

    def on_exposure(event: Any) -> None:
        if event.kind is ExposureKind.REVEALED:
            say("revealed", case_id=event.case_id, media_id=event.media_id,
                severity=int(event.severity), at=event.at.isoformat(),
                duration_ms=event.duration_ms)

    flow.sig_exposure.connect(on_exposure)

    def report() -> None:
        verdict = wellness.verdict
        brk = verdict.current_break
        hour = wellness.ledger.tally(Window.HOUR, now=wellness.clock.now())
        state = {"state": verdict.state.value, "allowed": verdict.allowed,
                 "remaining_s": round(brk.remaining_seconds, 1) if brk else None,
                 "overlay": window.overlay.isVisible(), "restored": wellness.restored,
                 "revealed_this_hour": hour.revealed}
        if {k: v for k, v in state.items() if k != "remaining_s"} != {
                k: v for k, v in last.items() if k != "remaining_s"} or not report.ticks % 5:
            say("state", **state)
        last.clear()
        last.update(state)
        report.ticks += 1  # type: ignore[attr-defined]

    report.ticks = 0  # type: ignore[attr-defined]

    def act() -> None:
        current = flow.current
        if current is None or window.locked:
            return
        if not plan["revealed"]:
            if viewer.interstitial:
                QTest.keyClick(viewer, Qt.Key.Key_Return)
            if not viewer.has_step(RevealStep.SHARP_GRAY):
                return
            plan["revealed"] = True
            QTest.keyPress(viewer, Qt.Key.Key_Space)
            QTest.qWait(args.hold_ms)
            QTest.keyRelease(viewer, Qt.Key.Key_Space)
            return
        if not plan["decided"] and wellness.verdict.allowed:
            plan["decided"] = True
            case_id = current.case.id
            QTest.keyClick(viewer, Qt.Key.Key_R)
            say("decided", case_id=case_id)

    ticker = QTimer()
    ticker.timeout.connect(report)
    ticker.timeout.connect(act)
    ticker.start(200)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
