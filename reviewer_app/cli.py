"""reviewer-cli: the client core without a window, for scripting and automation.

Same session, same outbox and keyring as the desktop app. Exit codes: 0 ok, 1 refused or
failed (also: the OS keyring is missing, locked or does not answer within a few seconds),
2 usage, 3 sign-in needed, 4 service unreachable (work kept locally), 5 on a break or at a
limit.

`export-sor --since DATE [--until DATE] [--out FILE]` (admins) writes the EU DSA statements of
reasons of the restricting decisions decided in [since, until) as JSON lines: each line one
batch, {"statements": [...]} of at most 100, the body the Transparency Database's
multiple-statements API takes. DATE is YYYY-MM-DD (midnight UTC) or an ISO time with its
offset. A decision whose statement cannot be made is reported on stderr, field by field, and
the exit code is then 1 (the others are still written).

`kpis --team T --since DATE [--until DATE] [--out FILE]` (the team's lead or an admin) writes
the team's KPIs over [since, until) as CSV: the team, then one row per queue and per person."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reviewer_app import __version__, domain, sor
from reviewer_app.client import kpis as kpi_csv
from reviewer_app.client.errors import (
    AuthFailed,
    CapReached,
    ClientError,
    InsecureKeyring,
    KeyringUnavailable,
    LoginRequired,
    OnBreak,
    ServiceUnavailable,
    ShiftLimit,
)
from reviewer_app.client.session import ReviewSession
from reviewer_app.config import ClientConfig

Command = Callable[[ReviewSession, argparse.Namespace], Any]


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--server", default=os.environ.get("REVIEWER_SERVER_URL"),
                        help="review service URL (or $REVIEWER_SERVER_URL)")
    common.add_argument("--data-dir", type=Path, default=None,
                        help="local store folder (default: the per-user data dir)")
    common.add_argument("--ca-bundle", type=Path, default=None, help="extra CA bundle (PEM)")
    common.add_argument("--keyring-service", default="reviewer-app",
                        help="keyring service name of the stored sign-in")
    common.add_argument("--json", action="store_true", help="machine-readable output")
    return common


def _resume(session: ReviewSession) -> None:
    if session.resume() is None:
        raise LoginRequired("Not signed in: run `reviewer-cli login` first.")


def cmd_login(session: ReviewSession, args: argparse.Namespace) -> Any:
    username = args.username or input("Username: ")
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
    me = session.login(username, password)
    return {"signed_in": True, **me.model_dump(mode="json")}


def cmd_logout(session: ReviewSession, args: argparse.Namespace) -> Any:
    session.logout()
    return {"signed_in": False}


def cmd_status(session: ReviewSession, args: argparse.Namespace) -> Any:
    out: dict[str, Any] = {
        "outbox": asdict(session.outbox_counts()),
        "leased_cases": [c.model_dump(mode="json") for c in session.leased_cases()],
        "conflicts": [asdict(c) for c in session.conflicts()],
        "online": True,
    }
    try:
        me = session.resume()
        out["me"] = me.model_dump(mode="json") if me else None
        if me is not None:
            out["exposure"] = session.server_exposure().model_dump(
                mode="json", exclude={"ledger"})  # counters and break state, not the minutes
    except (InsecureKeyring, KeyringUnavailable):
        raise  # the reviewer must fix the keyring; "offline" would hide that
    except ClientError as exc:
        out["online"] = False
        out["error"] = str(exc)
    return out


def cmd_lease(session: ReviewSession, args: argparse.Namespace) -> Any:
    _resume(session)
    return [c.model_dump(mode="json") for c in session.lease(args.max)]


def cmd_decide(session: ReviewSession, args: argparse.Namespace) -> Any:
    try:
        action = domain.Action(args.action)
        team = domain.EscalationTeam(args.escalate_to) if args.escalate_to else None
    except ValueError as exc:
        raise ClientError(f"Not saved: {exc}.") from None
    decision = session.decide(args.case_id, action, policy_refs=args.policy,
                              reason=args.reason, escalate_to=team, handle_ms=args.handle_ms)
    out: dict[str, Any] = {"decision": decision.model_dump(mode="json"), "saved": True}
    if not args.no_sync:
        out["sync"] = _sync_report(session)
    return out


def cmd_note(session: ReviewSession, args: argparse.Namespace) -> Any:
    body = sys.stdin.read() if args.body == "-" else args.body
    note = session.add_note(args.case_id, body)
    out: dict[str, Any] = {"note": note.model_dump(mode="json"), "saved": True}
    if not args.no_sync:
        out["sync"] = _sync_report(session)
    return out


def _sync_report(session: ReviewSession) -> dict[str, Any]:
    try:
        _resume(session)
    except (LoginRequired, ServiceUnavailable) as exc:
        return {"online": False, "error": str(exc), **asdict(session.outbox_counts())}
    return asdict(session.sync())


def cmd_sync(session: ReviewSession, args: argparse.Namespace) -> Any:
    _resume(session)
    report = session.sync()
    return {**asdict(report), "conflicts": [asdict(c) for c in session.conflicts()]}


class StatementsRefused(ClientError):
    """Some restricting decisions have no statement of reasons (exit code 1)."""


def _when(text: str) -> datetime:
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0), UTC)
        at = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
    if at.tzinfo is None:
        raise argparse.ArgumentTypeError(f"a time needs its UTC offset: {text!r}")
    return at


def cmd_export_sor(session: ReviewSession, args: argparse.Namespace) -> Any:
    _resume(session)
    out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
    written = batches = 0
    refused: set[int] = set()
    pending: list[dict[str, Any]] = []

    def write(batch: list[dict[str, Any]]) -> None:
        nonlocal batches, written
        out.write(json.dumps({"statements": batch}, ensure_ascii=False) + "\n")
        batches += 1
        written += len(batch)

    try:
        for page in session.statements_of_reasons(args.since, args.until):
            pending.extend(item.statement.wire() for item in page.statements)
            while len(pending) >= sor.BATCH_LIMIT:
                write(pending[:sor.BATCH_LIMIT])
                del pending[:sor.BATCH_LIMIT]
            for refusal in page.refusals:
                refused.add(refusal.decision_id)
                for error in refusal.errors:
                    print(f"reviewer-cli: refused (case {refusal.case_id}) {error.field}: "
                          f"{error.message}", file=sys.stderr)
        if pending:
            write(pending)
    finally:
        if out is not sys.stdout:
            out.close()
    summary = {"statements": written, "batches": batches, "refused": len(refused),
               "out": str(args.out) if args.out else "-"}
    if refused:
        raise StatementsRefused(f"{summary['refused']} restricting decision(s) have no "
                                f"statement of reasons (see above); {written} written")
    return summary


def cmd_kpis(session: ReviewSession, args: argparse.Namespace) -> Any:
    _resume(session)
    text = kpi_csv.to_csv(session.team_kpis(args.team, args.since, args.until))
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return {"rows": text.count("\n") - 1, "out": str(args.out) if args.out else "-"}


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(prog="reviewer-cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"reviewer-cli {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("login", parents=[common], help="sign in; the sign-in goes to the keyring")
    p.add_argument("--username", "-u")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of stdin")
    p.set_defaults(func=cmd_login)
    sub.add_parser("logout", parents=[common], help="sign out and forget the sign-in"
                   ).set_defaults(func=cmd_logout)
    sub.add_parser("status", parents=[common],
                   help="leases, outbox counts, conflicts, exposure and break state"
                   ).set_defaults(func=cmd_status)
    p = sub.add_parser("lease", parents=[common], help="lease cases from the queue")
    p.add_argument("--max", type=int, default=5)
    p.set_defaults(func=cmd_lease)
    p = sub.add_parser("decide", parents=[common], help="decide a leased case")
    p.add_argument("case_id")
    p.add_argument("action", choices=[a.value for a in domain.Action])
    p.add_argument("--policy", action="append", default=[], help="policy code (repeatable)")
    p.add_argument("--reason", default="")
    p.add_argument("--escalate-to", choices=[t.value for t in domain.EscalationTeam])
    p.add_argument("--handle-ms", type=int, default=0)
    p.add_argument("--no-sync", action="store_true", help="only save to the outbox")
    p.set_defaults(func=cmd_decide)
    p = sub.add_parser("note", parents=[common], help="add a note to a case")
    p.add_argument("case_id")
    p.add_argument("body", help="the note, or - to read it from stdin")
    p.add_argument("--no-sync", action="store_true")
    p.set_defaults(func=cmd_note)
    sub.add_parser("sync", parents=[common], help="send the outbox now").set_defaults(func=cmd_sync)
    p = sub.add_parser("export-sor", parents=[common],
                       help="admins: write a period's DSA statements of reasons (JSON lines, "
                            "one batch of at most 100 a line)")
    p.add_argument("--since", type=_when, required=True, help="YYYY-MM-DD (UTC) or ISO time")
    p.add_argument("--until", type=_when, default=None, help="exclusive; default: now")
    p.add_argument("--out", type=Path, default=None, help="file to write (default: stdout)")
    p.set_defaults(func=cmd_export_sor)
    p = sub.add_parser("kpis", parents=[common],
                       help="leads and admins: a team's KPIs over a period as CSV")
    p.add_argument("--team", required=True)
    p.add_argument("--since", type=_when, required=True, help="YYYY-MM-DD (UTC) or ISO time")
    p.add_argument("--until", type=_when, default=None, help="exclusive; default: now")
    p.add_argument("--out", type=Path, default=None, help="file to write (default: stdout)")
    p.set_defaults(func=cmd_kpis)
    return parser


def _exit_code(exc: ClientError) -> int:
    if isinstance(exc, LoginRequired | AuthFailed):
        return 3
    if isinstance(exc, ServiceUnavailable):
        return 4
    if isinstance(exc, OnBreak | CapReached | ShiftLimit):
        return 5
    return 1


def _show(value: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(value, indent=2, default=str))
        return
    if isinstance(value, list):
        for item in value:
            print(_line(item))
        if not value:
            print("(none)")
        return
    for key, item in value.items():
        print(f"{key}: {_line(item) if isinstance(item, dict | list) else item}")


def _line(item: Any) -> str:
    if isinstance(item, dict):
        return ", ".join(f"{k}={v}" for k, v in item.items())
    if isinstance(item, list):
        return "; ".join(_line(i) for i in item) or "(none)"
    return str(item)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.server:
        print("reviewer-cli: give --server URL (or set REVIEWER_SERVER_URL)", file=sys.stderr)
        return 2
    try:
        settings: dict[str, Any] = {"server_url": args.server, "ca_bundle": args.ca_bundle,
                                    "keyring_service": args.keyring_service}
        if args.data_dir is not None:
            settings["data_dir"] = args.data_dir
        config = ClientConfig(**settings)
    except ValidationError as exc:
        print(f"reviewer-cli: {exc.errors()[0]['msg']}", file=sys.stderr)
        return 2
    session: ReviewSession | None = None
    try:
        session = ReviewSession(config)  # refuses an insecure keyring up front
        result = args.func(session, args)
        if args.func in (cmd_export_sor, cmd_kpis) and not args.out:
            print(json.dumps(result), file=sys.stderr)  # stdout holds the statements
        else:
            _show(result, args.json)
        return 0
    except ClientError as exc:
        if args.json:
            print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
        print(f"reviewer-cli: {exc}", file=sys.stderr)
        return _exit_code(exc)
    except KeyboardInterrupt:
        return 130
    finally:
        if session is not None:
            session.close()


if __name__ == "__main__":
    sys.exit(main())
