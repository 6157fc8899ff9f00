"""The report of a self-test (`reviewer-app --selftest`, `reviewer-service selftest`): one line
per check, ok / FAIL / skip, a failure saying what went wrong and what to do about it.

Installers run these after installing and read the exit code: 0 when nothing failed, 1
otherwise. Qt-free and service-free, so both programs print the same report.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

PLATFORM_PROBE_FLAG = "--selftest-platform-probe"
"""Hidden argument of `reviewer-app`: open the Qt platform only and say which one loaded. The
app's self-test runs it as a child process, as a plugin that cannot load aborts the process."""


class Outcome(enum.StrEnum):
    OK = "ok"
    FAIL = "FAIL"
    SKIP = "skip"


@dataclass(frozen=True)
class Check:
    """One check's result. `fix` is what a person should do when it failed."""

    name: str
    outcome: Outcome
    detail: str
    fix: str = ""

    @classmethod
    def ok(cls, name: str, detail: str) -> Check:
        return cls(name, Outcome.OK, detail)

    @classmethod
    def fail(cls, name: str, detail: str, fix: str = "") -> Check:
        return cls(name, Outcome.FAIL, detail, fix)

    @classmethod
    def skip(cls, name: str, detail: str) -> Check:
        return cls(name, Outcome.SKIP, detail)

    @property
    def failed(self) -> bool:
        return self.outcome is Outcome.FAIL

    def line(self) -> str:
        text = f"{self.outcome.value:<4}  {self.name}: {self.detail}"
        if self.failed and self.fix:
            text += f". What to do: {self.fix}"
        return text


def report(title: str, checks: Iterable[Check], out: TextIO | None = None) -> int:
    """Print the report (each check as it comes, so a slow one shows where it waits) and
    return the exit code."""
    stream = out or sys.stdout
    print(title, file=stream, flush=True)
    failed = 0
    for check in checks:
        failed += check.failed
        print(f"  {check.line()}", file=stream, flush=True)
    if failed:
        print(f"{failed} problem{'s' if failed > 1 else ''} found.", file=stream, flush=True)
        return 1
    print("All checks passed.", file=stream, flush=True)
    return 0
