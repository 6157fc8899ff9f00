"""`reviewer-app`: the composition root. Parses arguments, wires the core and the UI, and
imports Qt only once it is sure a window is wanted (so `--help` works without a display).

    reviewer-app --server https://review.example     the workstation (sign-in dialog)
    reviewer-app --demo                              synthetic demo: local service, pick an account
    reviewer-app --demo --as lead                    the demo signed in as the wellness lead
    reviewer-app --tour DIR                          the demo driving itself, screenshots in DIR
    reviewer-app --selftest [--server URL]           check this computer; exit 1 on a problem
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import secrets
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reviewer_app import __version__
from reviewer_app.config import ClientConfig
from reviewer_app.selftest import PLATFORM_PROBE_FLAG

log = logging.getLogger("reviewer_app")
DEMO_ROLES = {"specialist": "Specialist: the review workstation",
              "lead": "Wellness lead: the lead console",
              "admin": "Admin: the lead console for any team"}
"""The demo accounts `--as` can pick (seed.DemoAccounts' fields) and what each opens."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="reviewer-app",
        description="Reviewer workstation for trust-and-safety escalations. Media is shown "
                    "grayscale and blurred until you reveal it; exposure is counted and "
                    "breaks are enforced.",
    )
    parser.add_argument("--version", action="version", version=f"reviewer-app {__version__}")
    parser.add_argument("--selftest", action="store_true",
                        help="check Qt, the picture formats, multimedia, the keyring and the "
                             "server (--server or $REVIEWER_SERVER_URL); exit 1 on a problem")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--server", metavar="URL", help="the review service (https://...)")
    mode.add_argument("--demo", action="store_true",
                      help="start a local service with synthetic cases and sign in to it")
    mode.add_argument("--tour", metavar="DIR", type=Path,
                      help="run the demo by itself and save a screenshot per step into DIR")
    parser.add_argument("--cases", type=int, default=8, help="demo: how many synthetic cases")
    parser.add_argument("--data-dir", type=Path, help="local store (default: per-user data dir)")
    parser.add_argument("--ca-bundle", type=Path, help="extra CA bundle (PEM) for TLS")
    parser.add_argument("--no-prefetch", action="store_true", help="do not prefetch next cases")
    parser.add_argument("--as", dest="demo_as", choices=DEMO_ROLES,
                        help="demo: sign in as this demo account (the specialist's workstation, "
                             "or the lead console for lead and admin); default: ask")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args(argv)


@contextlib.contextmanager
def demo_service(workdir: Path, cases: int) -> Iterator[tuple[str, Any]]:
    """The review service in-process on 127.0.0.1 (random port), seeded with synthetic cases;
    yields its URL and the demo accounts (`seed.DemoAccounts`)."""
    try:
        from reviewer_app.service.seed import seed_demo
        from reviewer_app.service.server import start_in_thread
        from reviewer_app.service.settings import ServiceSettings
    except ImportError as exc:  # an installed workstation (or no service extra): no demo
        raise SystemExit(
            "reviewer-app: the demo runs from the source tree (`make demo` in a clone of the "
            "project), where the review service and its synthetic demo accounts are; this "
            "installation is the workstation only and carries neither (in a development "
            f"virtualenv: pip install 'reviewer-app[desktop,service]') ({exc})"
        ) from exc
    db_url = f"sqlite:///{workdir / 'service.sqlite3'}"
    # the lead console has charts; the media cases: several items, video, audio and text
    accounts = seed_demo(db_url, cases=cases, history=True, media=True, matches=True,
                         trends=True)
    with start_in_thread(ServiceSettings(db_url=db_url)) as running:
        yield running.url, accounts


def demo_logins(accounts: Any) -> list[tuple[str, str, str]]:
    """The demo accounts to pick from at the demo's sign-in: (what it opens, user, password)."""
    return [(DEMO_ROLES[role], *getattr(accounts, role)) for role in DEMO_ROLES]


def no_display() -> bool:
    """Linux with neither X11 nor Wayland, and no Qt platform chosen: Qt would abort."""
    return (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"))


def selftest(args: argparse.Namespace) -> int:
    """The installers' check (ui/selftest.py): needs no screen when QT_QPA_PLATFORM says
    offscreen, and no sign-in."""
    from ui.selftest import run_selftest  # Qt is imported from here on

    server = args.server or os.environ.get("REVIEWER_SERVER_URL") or None
    if args.demo or args.tour:
        print("reviewer-app: --selftest checks an install; it does not start the demo",
              file=sys.stderr)
        return 2
    return run_selftest(server, args.ca_bundle)


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    if raw[:1] == [PLATFORM_PROBE_FLAG]:  # the self-test's child: open the Qt platform only
        from ui.selftest import platform_probe

        return platform_probe()
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.selftest:
        return selftest(args)
    if not (args.server or args.demo or args.tour):
        print("reviewer-app: give --server URL, or --demo, or --tour DIR (see --help)",
              file=sys.stderr)
        return 2
    if no_display():
        if not args.tour:
            print("reviewer-app: there is no display to show the workstation on (DISPLAY and "
                  "WAYLAND_DISPLAY are unset); start it in your desktop session, or use "
                  "reviewer-cli", file=sys.stderr)
            return 2
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # the tour needs no screen for its shots
    from ui.app import run  # Qt is imported from here on

    options: dict[str, Any] = {"prefetch": not args.no_prefetch}
    if args.server:
        try:
            config = ClientConfig(server_url=args.server, ca_bundle=args.ca_bundle,
                                  **({"data_dir": args.data_dir} if args.data_dir else {}))
        except ValueError as exc:
            print(f"reviewer-app: {exc}", file=sys.stderr)
            return 2
        return run(config, **options)

    with tempfile.TemporaryDirectory(prefix="reviewer-demo-") as tmp:
        workdir = Path(tmp)
        with demo_service(workdir, args.cases) as (url, accounts):
            config = ClientConfig(
                server_url=url,
                data_dir=args.data_dir or workdir / "client",
                keyring_service=f"reviewer-app-demo-{secrets.token_hex(4)}",
            )
            tour = args.tour.resolve() if args.tour else None
            if tour is not None:  # the specialist's part first, then the lead's console
                options.update(demo_credentials=accounts.specialist,
                               lead_credentials=accounts.lead)
            elif args.demo_as:
                options["demo_credentials"] = getattr(accounts, args.demo_as)
            else:
                options["demo_logins"] = demo_logins(accounts)
            return run(config, tour_dir=tour,
                       settings_path=workdir / "settings.ini" if tour else None, **options)


if __name__ == "__main__":
    sys.exit(main())
