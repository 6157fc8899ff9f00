"""`reviewer-service`: serve, migrate, seed demo data, add users, and check an install.

Passwords are read from stdin (never from arguments, which other users can see in `ps`).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reviewer_app import __version__
from reviewer_app.domain import Role


def _password_from_stdin() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise SystemExit("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _settings_file(argv: list[str] | None) -> dict[str, Any]:
    """`--config FILE` (any command): the settings file's values as the commands' defaults
    (`db`, `host`, `port`, ...; explicit options still win) and, under `file_settings`, every
    ServiceSettings key the file sets. Raises SettingsFileError."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config", type=Path)
    known, _rest = pre.parse_known_args(sys.argv[1:] if argv is None else argv)
    if known.config is None:
        return {}
    from reviewer_app.service.settings import read_settings_file

    config = read_settings_file(known.config)
    given = config.settings.model_dump(exclude_unset=True)
    options = {"lease_ttl": "lease_ttl_s", "metrics_access": "metrics_access",
               "log_format": "log_format"}
    return {"db": config.settings.db_url, "host": config.host, "port": config.port,
            **{option: given[key] for option, key in options.items() if key in given},
            "file_settings": given}


def _db_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--db", help="sqlite:///FILE or postgresql+psycopg://... "
                                      "(default: db_url of --config)")
    command.add_argument("--config", type=Path, metavar="FILE",
                         help="settings file (TOML), e.g. "
                              "/etc/reviewer-service/reviewer-service.toml")


def _parser(defaults: dict[str, Any] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reviewer-service", description=__doc__)
    parser.add_argument("--version", action="version", version=f"reviewer-service {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP service")
    _serving_options(serve)
    serve.add_argument("--no-migrate", action="store_true",
                       help="do not upgrade the schema on start")

    selftest = sub.add_parser(
        "selftest", help="check settings, database, schema and port; exit 1 on a problem")
    _serving_options(selftest)

    migrate = sub.add_parser("migrate", help="upgrade the schema to the newest revision")
    _db_options(migrate)

    seed = sub.add_parser("seed", help="add synthetic cases (and the demo users)")
    _db_options(seed)
    seed.add_argument("--demo", action="store_true", help="the demo users and demo cases")
    seed.add_argument("--cases", type=int, default=12)

    user = sub.add_parser("user", help="user administration")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="add a user; the password is read from stdin")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--team", required=True)
    _db_options(add)
    add.add_argument("--reset", action="store_true", help="reset the password of an existing user")
    for command in (serve, selftest, migrate, seed, add):
        command.set_defaults(**{"file_settings": {}, **(defaults or {})})
    return parser


def _serving_options(command: argparse.ArgumentParser) -> None:
    """What `serve` runs with, and so what `selftest` checks."""
    from reviewer_app.service.logs import LOG_FORMAT_ENV, log_format_from_env

    _db_options(command)
    command.add_argument("--host", default="127.0.0.1")
    command.add_argument("--port", type=int, default=8080)
    command.add_argument("--lease-ttl", type=int, default=600, help="lease lifetime, seconds")
    command.add_argument("--metrics-access", choices=["admin", "localhost"], default="admin",
                         help="/metrics for an admin's bearer token (default), or for "
                              "scrapers on this machine")
    try:
        default_format = log_format_from_env()
    except ValueError:
        default_format = "text"  # reported by main(), once the parser is built
    command.add_argument("--log-format", choices=["text", "json"], default=default_format,
                         help=f"log lines as text or one JSON object each (default: "
                              f"${LOG_FORMAT_ENV}, else text)")


def _settings_options(args: argparse.Namespace) -> dict[str, object]:
    return {**args.file_settings, "db_url": args.db, "lease_ttl_s": args.lease_ttl,
            "metrics_access": args.metrics_access, "log_format": args.log_format}


def main(argv: list[str] | None = None) -> int:
    from reviewer_app.service.logs import configure_logging, log_format_from_env
    from reviewer_app.service.settings import SettingsFileError

    try:
        defaults = _settings_file(argv)
    except SettingsFileError as exc:
        print(f"reviewer-service: {exc}", file=sys.stderr)
        return 2
    parser = _parser(defaults)
    args = parser.parse_args(argv)
    if hasattr(args, "db") and not args.db:
        parser.error("give --db URL, or --config FILE with db_url in it")
    try:
        env_format = log_format_from_env()
    except ValueError as exc:
        print(f"reviewer-service: {exc}", file=sys.stderr)
        return 2
    configure_logging(getattr(args, "log_format", env_format))
    if args.command == "serve":
        from reviewer_app.service.server import serve_forever
        from reviewer_app.service.settings import ServiceSettings

        try:
            settings = ServiceSettings.model_validate(
                {"access_log": True, **_settings_options(args),
                 "migrate_on_start": not args.no_migrate
                 and bool(args.file_settings.get("migrate_on_start", True))})
        except ValidationError as exc:
            print(f"reviewer-service: {exc}", file=sys.stderr)
            return 2
        logging.getLogger("reviewer_app.service").info(
            "reviewer-service %s serving on http://%s:%s", __version__, args.host, args.port)
        serve_forever(settings, host=args.host, port=args.port)
        return 0
    if args.command == "selftest":
        from reviewer_app.service.selftest import run_selftest

        return run_selftest(_settings_options(args), host=args.host, port=args.port)
    if args.command == "migrate":
        from reviewer_app.service.db import upgrade_head

        upgrade_head(args.db)
        print("reviewer-service: schema is at the newest revision")
        return 0
    if args.command == "seed":
        from reviewer_app.service.seed import add_cases, seed_demo

        given_dir = args.file_settings.get("media_dir")
        media_dir = Path(given_dir) if given_dir else None
        if args.demo:
            if _has_users(args.db):
                print("reviewer-service: --demo adds accounts whose passwords are published "
                      "(reviewer_app/service/seed.py); it runs only on a database without "
                      "users, for a local demo, never on a team's service", file=sys.stderr)
                return 2
            accounts = seed_demo(args.db, cases=args.cases, media=True, matches=True,
                                 trends=True, media_dir=media_dir)
            print(f"reviewer-service: demo data ready; users {accounts.specialist[0]}, "
                  f"{accounts.lead[0]}, {accounts.admin[0]} in team {accounts.team}")
        else:
            ids = add_cases(args.db, args.cases, media_px=(640, 360), media_dir=media_dir)
            print(f"reviewer-service: added {len(ids)} synthetic cases")
        return 0
    if args.command == "user":
        from reviewer_app.service.accounts import AccountError, add_user

        password = _password_from_stdin()
        try:
            add_user(args.db, args.name, password, args.role, args.team,
                     replace_password=args.reset)
        except AccountError as exc:
            print(f"reviewer-service: {exc}", file=sys.stderr)
            return 2
        print(f"reviewer-service: user {args.name} ({args.role}, team {args.team}) saved")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())


def _has_users(db_url: str) -> bool:
    """Whether the database holds any account (a database without the schema holds none)."""
    from sqlalchemy import create_engine, inspect, select

    from reviewer_app.service.models import User

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table(User.__tablename__):
                return False
            return conn.execute(select(User.id).limit(1)).first() is not None
    finally:
        engine.dispose()
