"""The demo's escalation history, so the Intelligence tab has a spike to show and explain.

`add_trend_history` adds, after the demo's cases and colleagues (`seed_history`):
- a burst: nine scam adverts that one trusted flagger (SafeNet Flaggers, fictional) reported
  within one hour three hours ago, which the team's colleagues have already decided (so they
  are not in anyone's queue, and the console lists their ids behind the spike); they are
  ingested like any case, so the rollups count them as the service would;
- five weeks of synthetic hourly counts (`escalation_rollups`) for every key the demo's cases
  have, in every dimension, with a daily rhythm and quieter weekends: the baseline the spike
  rule compares an hour with (the same hour of the previous four weeks). These counts stand
  for cases that were reviewed and purged long ago; there are no case rows behind them.

A random history can raise a spike by chance; the demo should show the one it planted, so
any other hour of the last week that the rule would flag has its synthetic count lowered
until it does not (the demo's real cases are never changed). Deterministic for a given
`now` and `seed`; does nothing when the burst is there already.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer_app.domain import (
    Action,
    CaseStatus,
    HarmCategory,
    PolicyArea,
    ReporterType,
    Severity,
    Source,
)
from reviewer_app.service import trends
from reviewer_app.service.db import Database
from reviewer_app.service.imagegen import synthetic_image
from reviewer_app.service.ingest import NewCase, NewMedia
from reviewer_app.service.models import CaseRow, DecisionRow, User
from reviewer_app.service.models_trends import EscalationRollupRow
from reviewer_app.service.seed import add_case
from reviewer_app.spikes import spikes

BURST_ORGANISATION = "SafeNet Flaggers (fictional)"
BURST_SIZE = 9
BURST_HOURS_AGO = 3
HISTORY_DAYS = 35
CASES_PER_HOUR = 4.0
"""The synthetic history's mean rate over all keys of a dimension, at the day's average."""
BURST_REFERENCE = "REF-BURST-"


def burst_hour(now: datetime) -> datetime:
    return trends.hour_of(now) - timedelta(hours=BURST_HOURS_AGO)


def burst_cases(now: datetime) -> list[NewCase]:
    """The planted burst: one trusted flagger's scam adverts, all in one hour."""
    start = burst_hour(now)
    cases = []
    for n in range(BURST_SIZE):
        received = start + timedelta(minutes=4 + 5 * n)
        picture = synthetic_image(900 + n, width=320, height=180, fmt="PNG",
                                  label=f"advert {n + 1}")
        cases.append(NewCase(
            source=Source.TRUSTED_FLAGGER, policy_area=PolicyArea.ADVERTISING_COMMERCE,
            harm_category=HarmCategory.SCAMS_FRAUD, severity=Severity.MODERATE, priority=30,
            received_at=received, reporter_type=ReporterType.TRUSTED_FLAGGER,
            reporter_statement="Part of a wave of look-alike investment adverts. "
                               "(simulated trusted-flagger notice)",
            reporter_organisation=BURST_ORGANISATION,
            reporter_reference=f"{BURST_REFERENCE}{n + 1}", jurisdiction="EU-FR",
            subject_text=f"Simulated advert #{n + 1}: 'guaranteed returns'. SIMULATED CONTENT "
                         "for the demo.",
            media=[NewMedia(picture, "image/png")]))
    return cases


def add_trend_history(db_url: str, now: datetime, members: tuple[str, ...], *,
                      media_dir: Path | None = None, seed: int = 11) -> list[str]:
    """Adds the burst (decided by `members`, who must exist) and the synthetic history;
    returns the burst's case ids (none when it is there already)."""
    db = Database(db_url, pool_size=1)
    try:
        with db.read() as s:
            if s.scalar(select(CaseRow.id).where(
                    CaseRow.reporter_reference == f"{BURST_REFERENCE}1")):
                return []
            people = list(s.scalars(select(User.id).where(User.username.in_(members))
                                    .order_by(User.username)))
        assert people, "the burst is decided by the demo's colleagues: seed_history first"
        ids = [add_case(db_url, case, media_dir=media_dir) for case in burst_cases(now)]
        with db.write() as s:
            _decide(s, ids, people)
            _history(s, now, np.random.default_rng(seed))
    finally:
        db.dispose()
    return ids


def _decide(s: Session, ids: list[str], people: list[int]) -> None:
    """The colleagues' decisions, as the service would have recorded them."""
    for n, case_id in enumerate(ids):
        row = s.get(CaseRow, case_id)
        assert row is not None
        at = row.received_at + timedelta(minutes=20 + 3 * n)
        row.status = CaseStatus.DECIDED.value
        s.add(DecisionRow(
            client_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo-decision:{case_id}")),
            case_id=case_id, lease_id=f"demo-{case_id}", user_id=people[n % len(people)],
            action=Action.REMOVE.value, policy_refs=json.dumps(["AD-SCAM-1"]),
            reason="Deceptive investment advert, one of a wave; removed. (simulated)",
            decided_at=at, received_at=at, handle_ms=95_000 + 7_000 * n, body_hash="demo"))


def _rhythm(hour: datetime) -> float:
    """Busier in the (UTC) working day, quieter at night and at weekends."""
    day = 0.45 + 0.95 * max(0.0, 1.0 - abs(hour.hour - 14) / 9.0)
    return day * (0.65 if hour.weekday() >= 5 else 1.0)


def _history(s: Session, now: datetime, rng: np.random.Generator) -> None:
    """The synthetic counts of HISTORY_DAYS before the current hour, every dimension and key
    the demo's cases have, each key at its share of the demo's cases."""
    current = trends.hour_of(now)
    hours = [current - timedelta(hours=h) for h in range(HISTORY_DAYS * 24, 0, -1)]
    shown = [current - timedelta(hours=h) for h in range(7 * 24 - 1, -1, -1)]
    real: dict[tuple[str, str], dict[datetime, int]] = defaultdict(dict)
    for dimension, key, hour, count in s.execute(select(
            EscalationRollupRow.dimension, EscalationRollupRow.key, EscalationRollupRow.hour,
            EscalationRollupRow.count)):
        real[(dimension, key)][hour] = count
    added: list[dict[str, object]] = []
    for dimension in trends.DIMENSIONS:
        column = getattr(CaseRow, dimension)
        not_burst = (CaseRow.reporter_reference.is_(None)
                     | ~CaseRow.reporter_reference.startswith(BURST_REFERENCE))
        counted: dict[str, int] = defaultdict(int)
        for key in s.scalars(select(column).where(column.is_not(None), column != "",
                                                  not_burst)):
            counted[key] += 1
        total = sum(counted.values()) or 1
        for key, n in sorted(counted.items()):
            rate = CASES_PER_HOUR * n / total
            synthetic = {h: int(c) for h, c in zip(
                hours, rng.poisson([rate * _rhythm(h) for h in hours]), strict=True)}
            mine = real.get((dimension, key), {})
            combined = {h: synthetic.get(h, 0) + mine.get(h, 0)
                        for h in set(synthetic) | set(mine)}
            for alert in spikes(combined, shown, trends.RULE):
                if mine.get(alert.hour, 0) >= trends.RULE.min_count:
                    continue  # the demo's real cases spike here (the burst): keep it
                # lower this hour's synthetic part until the rule no longer flags it
                ceiling = max(int(alert.threshold), trends.RULE.min_count - 1)
                synthetic[alert.hour] = max(0, min(synthetic.get(alert.hour, 0),
                                                   ceiling - mine.get(alert.hour, 0)))
            added.extend({"dimension": dimension, "key": key, "hour": h, "count": c}
                         for h, c in synthetic.items() if c)
    trends.add_counts(s, added)

