"""`reviewer-service`: serve, migrate, seed demo data, and add users.

Passwords are read from stdin (never from arguments, which other users can see in `ps`).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys

from reviewer_app.domain import Role


def _password_from_stdin() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise SystemExit("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reviewer-service", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--db", required=True, help="sqlite:///FILE or postgresql+psycopg://...")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--lease-ttl", type=int, default=600, help="lease lifetime, seconds")
    serve.add_argument("--no-migrate", action="store_true",
                       help="do not upgrade the schema on start")

    migrate = sub.add_parser("migrate", help="upgrade the schema to the newest revision")
    migrate.add_argument("--db", required=True)

    seed = sub.add_parser("seed", help="add synthetic cases (and the demo users)")
    seed.add_argument("--db", required=True)
    seed.add_argument("--demo", action="store_true", help="the demo users and demo cases")
    seed.add_argument("--cases", type=int, default=12)

    user = sub.add_parser("user", help="user administration")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="add a user; the password is read from stdin")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--team", required=True)
    add.add_argument("--db", required=True)
    add.add_argument("--reset", action="store_true", help="reset the password of an existing user")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if args.command == "serve":
        from reviewer_app.service.server import serve_forever
        from reviewer_app.service.settings import ServiceSettings

        settings = ServiceSettings(db_url=args.db, lease_ttl_s=args.lease_ttl,
                                   migrate_on_start=not args.no_migrate)
        print(f"reviewer-service: serving on http://{args.host}:{args.port}", flush=True)
        serve_forever(settings, host=args.host, port=args.port)
        return 0
    if args.command == "migrate":
        from reviewer_app.service.db import upgrade_head

        upgrade_head(args.db)
        print("reviewer-service: schema is at the newest revision")
        return 0
    if args.command == "seed":
        from reviewer_app.service.seed import add_cases, seed_demo

        if args.demo:
            accounts = seed_demo(args.db, cases=args.cases)
            print(f"reviewer-service: demo data ready; users {accounts.specialist[0]}, "
                  f"{accounts.lead[0]}, {accounts.admin[0]} in team {accounts.team}")
        else:
            ids = add_cases(args.db, args.cases, media_px=(640, 360))
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
