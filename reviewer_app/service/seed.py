"""Demo and test data: the demo accounts and synthetic cases (no real content, ever).

`seed_demo` prepares a database for `reviewer-app --demo`; `add_cases` makes many small cases
quickly for concurrency tests and benchmarks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from sqlalchemy import func, select

from reviewer_app.domain import (
    Action,
    HarmCategory,
    PolicyArea,
    ReporterType,
    Role,
    Severity,
    Source,
)
from reviewer_app.service.accounts import add_user
from reviewer_app.service.db import Database, upgrade_head
from reviewer_app.service.imagegen import synthetic_image
from reviewer_app.service.ingest import NewCase, NewHistory, NewMedia, add_case_rows
from reviewer_app.service.models import CaseRow, User


@dataclass(frozen=True)
class DemoAccounts:
    """The demo logins, (username, password); demo passwords only, never for real use."""

    specialist: tuple[str, str] = ("demo", "demo-specialist-pw")
    lead: tuple[str, str] = ("lead", "demo-lead-pw")
    admin: tuple[str, str] = ("admin", "demo-admin-pw")
    team: str = "escalations"

    ROLES: ClassVar[dict[str, Role]] = {
        "specialist": Role.SPECIALIST, "lead": Role.WELLNESS_LEAD, "admin": Role.ADMIN,
    }


_SOURCES = [
    (Source.USER_REPORT, ReporterType.USER, None),
    (Source.REGULATOR, ReporterType.REGULATOR, "Office of Online Safety (fictional)"),
    (Source.BUSINESS_PARTNER, ReporterType.BUSINESS_PARTNER, "Acme Ads Ltd (fictional)"),
    (Source.LEGAL, ReporterType.RIGHTS_HOLDER, "Example Studios LLC (fictional)"),
    (Source.TRUSTED_FLAGGER, ReporterType.TRUSTED_FLAGGER, "SafeNet Flaggers (fictional)"),
]
_CATEGORIES = [
    (HarmCategory.GRAPHIC_VIOLENCE, PolicyArea.COMMUNITY_STANDARDS),
    (HarmCategory.SELF_HARM, PolicyArea.COMMUNITY_STANDARDS),
    (HarmCategory.HATE_HARASSMENT, PolicyArea.COMMUNITY_STANDARDS),
    (HarmCategory.SCAMS_FRAUD, PolicyArea.ADVERTISING_COMMERCE),
    (HarmCategory.INTELLECTUAL_PROPERTY, PolicyArea.INTELLECTUAL_PROPERTY),
    (HarmCategory.VIOLENT_EXTREMISM, PolicyArea.REGULATORY),
    (HarmCategory.ANIMAL_WELFARE, PolicyArea.COMMUNITY_STANDARDS),
    (HarmCategory.OTHER, PolicyArea.COMMUNITY_STANDARDS),
]
_JURISDICTIONS = ["EU-DE", "EU-FR", "UK", "US-CA", "EU-IE", "AU", "BR", "IN"]
_STATEMENTS = {
    Source.USER_REPORT: "I saw this post in my feed and it upset me. (simulated report)",
    Source.REGULATOR: "Notice under the applicable online safety statute; please assess "
                      "within the statutory period. (simulated notice)",
    Source.BUSINESS_PARTNER: "This advert runs next to our brand and breaks the ad policy. "
                             "(simulated partner escalation)",
    Source.LEGAL: "We hold the rights to this work and did not license this upload. "
                  "(simulated legal notice)",
    Source.TRUSTED_FLAGGER: "Flagged by our analysts as likely violating. (simulated flag)",
}


def demo_case(i: int, rng: random.Random, now: datetime, *, media_px: tuple[int, int],
              media_count: int = 1) -> NewCase:
    source, reporter_type, org = _SOURCES[i % len(_SOURCES)]
    category, area = _CATEGORIES[i % len(_CATEGORIES)]
    severity = Severity(rng.choice([1, 2, 3, 3, 4, 4]) if i % 3 else (i % 5))
    received = now - timedelta(minutes=rng.randrange(5, 600))
    sla_hours = {Source.REGULATOR: 24, Source.LEGAL: 48}.get(source, 72)
    history: list[NewHistory] = []
    if i % 4 == 1:
        history = [
            NewHistory(at=received + timedelta(minutes=3), kind="note", actor="triage-bot",
                       body="Auto-triaged from the user report queue. (simulated)"),
            NewHistory(at=received + timedelta(minutes=9), kind="decision", actor="reviewer-7",
                       action=Action.REQUEST_INFO, body="Asked the reporter for the URL."),
        ]
    w, h = media_px
    media = [
        NewMedia(synthetic_image(i * 7 + k, width=w, height=h,
                                 fmt="JPEG" if (i + k) % 2 else "PNG", label=f"case {i + 1}"),
                 "image/jpeg" if (i + k) % 2 else "image/png")
        for k in range(media_count)
    ]
    return NewCase(
        source=source, policy_area=area, harm_category=category, severity=severity,
        priority=rng.choice([10, 30, 50, 70, 90]), received_at=received,
        sla_due_at=received + timedelta(hours=sla_hours), reporter_type=reporter_type,
        reporter_statement=_STATEMENTS[source], reporter_organisation=org,
        reporter_reference=f"REF-{1000 + i}" if org else None,
        jurisdiction=_JURISDICTIONS[i % len(_JURISDICTIONS)],
        legal_basis="EU DSA Art. 16 notice (simulated)" if source is Source.REGULATOR else None,
        rights_holder=org if source is Source.LEGAL else None,
        subject_text=f"Simulated post #{i + 1}: text of the reported item. "
                     "SIMULATED CONTENT for the demo.",
        media=media, history=history,
    )


def add_case(db_url: str, case: NewCase, *, migrate: bool = False) -> str:
    """Adds one case exactly as described (media sniffed and hashed); returns its id."""
    if migrate:
        upgrade_head(db_url)
    db = Database(db_url, pool_size=1)
    try:
        with db.write() as s:
            return add_case_rows(s, case)
    finally:
        db.dispose()


def add_cases(
    db_url: str, count: int, *, media_px: tuple[int, int] = (64, 36), seed: int = 0,
    media_count: int = 1, migrate: bool = True, now: datetime | None = None,
) -> list[str]:
    """Adds `count` synthetic cases; small media by default so thousands take seconds."""
    if migrate:
        upgrade_head(db_url)
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    db = Database(db_url, pool_size=1)
    ids: list[str] = []
    try:
        cache: dict[int, NewCase] = {}
        batch = 500
        for start in range(0, count, batch):
            with db.write() as s:
                for i in range(start, min(count, start + batch)):
                    if media_px[0] * media_px[1] <= 64 * 64:
                        template = cache.get(i % 16)
                        if template is None:
                            template = cache[i % 16] = demo_case(
                                i % 16, rng, now, media_px=media_px, media_count=media_count)
                        ids.append(add_case_rows(s, template))
                    else:
                        ids.append(add_case_rows(
                            s, demo_case(i, rng, now, media_px=media_px, media_count=media_count)))
    finally:
        db.dispose()
    return ids


def seed_demo(db_url: str, *, cases: int = 12) -> DemoAccounts:
    """Schema, the three demo users in team `escalations`, and `cases` synthetic cases
    (only when the database has no cases yet, so a second run adds nothing)."""
    upgrade_head(db_url)
    accounts = DemoAccounts()
    db = Database(db_url, pool_size=1)
    try:
        with db.read() as s:
            existing = set(s.scalars(select(User.username)).all())
            case_count = s.scalar(select(func.count()).select_from(CaseRow)) or 0
    finally:
        db.dispose()
    for field_name, role in DemoAccounts.ROLES.items():
        username, password = getattr(accounts, field_name)
        if username not in existing:
            add_user(db_url, username, password, role, accounts.team, migrate=False)
    if case_count == 0 and cases > 0:
        add_cases(db_url, cases, media_px=(1280, 720), migrate=False, seed=42)
    return accounts
