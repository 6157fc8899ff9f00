"""`make bench`: runs every tests/bench/bench_*.py module's `run()` and prints one table.

Each module exposes `run() -> list[Figure]`. Figures with a natural baseline are reported with
that baseline's ratio from the same run. Benchmarks report; they never fail on time.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    benchmark: str
    name: str
    value: float
    unit: str
    note: str = ""


def _modules(selected: list[str]) -> list[str]:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if selected:
        names = [n for n in names if any(s in n for s in selected)]
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("only", nargs="*", help="run only the bench modules whose name has this")
    parser.add_argument("--out", type=Path, default=Path("bench-output"))
    args = parser.parse_args(argv)
    figures: list[Figure] = []
    failed: list[str] = []
    for name in _modules(args.only):
        started = time.perf_counter()
        print(f"== {name}", flush=True)
        try:
            module = importlib.import_module(f"tests.bench.{name}")
            got = list(module.run())
        except Exception:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
            continue
        figures.extend(got)
        for f in got:
            print(f"   {f.name:<58} {f.value:>12.3f} {f.unit:<8} {f.note}", flush=True)
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = args.out / f"bench-{stamp}.json"
    path.write_text(json.dumps([asdict(f) for f in figures], indent=2))
    print()
    print(f"{'benchmark':<16} {'figure':<58} {'value':>12} unit")
    for f in figures:
        print(f"{f.benchmark:<16} {f.name:<58} {f.value:>12.3f} {f.unit:<8} {f.note}")
    print(f"\nwrote {path}")
    if failed:
        print(f"benchmarks that failed to run: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
