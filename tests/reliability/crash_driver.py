"""A reviewer that never stops deciding, for the crash test: it prints `ACK <client_id>
<case_id>` right after each decision is committed locally, and syncs now and then. The
parent SIGKILLs it at random points. `--drain` only sends the outbox and prints DRAINED."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from reviewer_app import domain
from reviewer_app.client.session import ReviewSession
from reviewer_app.config import ClientConfig


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--keyring-service", required=True)
    parser.add_argument("--drain", action="store_true")
    parser.add_argument("--sync-every", type=int, default=7)
    args = parser.parse_args()
    session = ReviewSession(ClientConfig(server_url=args.server, data_dir=args.data_dir,
                                         keyring_service=args.keyring_service))
    if session.resume() is None:  # a kill mid-refresh can strand the rotated token
        session.login(os.environ["CRASH_USER"], os.environ["CRASH_PASSWORD"])
    print("READY", flush=True)
    if args.drain:
        for _ in range(50):
            if session.sync().remaining == 0:
                break
        print(f"DRAINED {session.outbox_counts().pending}", flush=True)
        return 0
    decided = 0
    while True:
        open_cases = session.leased_cases()
        if not open_cases:
            if not session.lease(5):
                session.sync()
                print("DONE", flush=True)
                return 0
            continue
        for case in open_cases:
            decision = session.decide(case.id, domain.Action.KEEP, handle_ms=1)
            print(f"ACK {decision.client_id} {case.id}", flush=True)
            decided += 1
            if decided % args.sync_every == 0:
                session.sync()


if __name__ == "__main__":
    sys.exit(main())
