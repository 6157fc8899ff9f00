"""Demo and test data: the demo accounts and synthetic cases (no real content, ever).

`seed_demo` prepares a database for `reviewer-app --demo` (with `media=True`, also the cases
of several items, video, audio and text, generated here by `mediagen`: nothing large is ever
committed); `add_cases` makes many small cases quickly for concurrency tests and benchmarks;
`seed_history` (the demo's `history=True`) gives the demo team synthetic colleagues and weeks
of synthetic exposure history, so the lead's dashboard and its charts have something to show.
"""

from __future__ import annotations

import functools
import json
import random
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, ClassVar

from argon2 import PasswordHasher
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from reviewer_app.domain import (
    DECISION_NEEDS,
    Action,
    BreakKind,
    BusinessContext,
    ClaimType,
    ExposureEvent,
    ExposureKind,
    HarmCategory,
    IPClaimContext,
    LegalOrderContext,
    PolicyArea,
    RegulatorContext,
    ReporterType,
    Role,
    Severity,
    Source,
    SourceContext,
    UserReportContext,
)
from reviewer_app.service import audit
from reviewer_app.service.accounts import add_user
from reviewer_app.service.db import Database, upgrade_head
from reviewer_app.service.exposure_totals import add_totals
from reviewer_app.service.imagegen import synthetic_image
from reviewer_app.service.ingest import (
    CheckedMedia,
    NewCase,
    NewHistory,
    NewMedia,
    add_case_rows,
    check_media,
)
from reviewer_app.service.models import (
    BreakRow,
    CaseRow,
    ExposureRow,
    SafeguardStateRow,
    ServiceBreakRow,
    TeamPolicyRow,
    User,
    table,
)
from reviewer_app.service.safeguard_state import ServiceTime, default_policy
from reviewer_app.service.storage import store_for
from safeguards import BreakScheduler, ExposureLedger, ExposurePolicy


@dataclass(frozen=True)
class DemoAccounts:
    """The demo logins, (username, password); demo passwords only, never for real use.
    `members` are the demo team's synthetic colleagues (`seed_history`), all with
    `member_password`."""

    specialist: tuple[str, str] = ("demo", "demo-specialist-pw")
    lead: tuple[str, str] = ("lead", "demo-lead-pw")
    admin: tuple[str, str] = ("admin", "demo-admin-pw")
    team: str = "escalations"
    members: tuple[str, ...] = ("ana", "ben", "chen", "dana", "emeka", "farah", "goran",
                                "hiro")
    member_password: str = "demo-member-pw"

    ROLES: ClassVar[dict[str, Role]] = {
        "specialist": Role.SPECIALIST, "lead": Role.WELLNESS_LEAD, "admin": Role.ADMIN,
    }


_SOURCES = [
    (Source.USER_REPORT, ReporterType.USER, None),
    (Source.REGULATOR, ReporterType.REGULATOR, "Office of Online Safety (fictional)"),
    (Source.BUSINESS_PARTNER, ReporterType.BUSINESS_PARTNER, "Acme Ads Ltd (fictional)"),
    (Source.IP_CLAIM, ReporterType.RIGHTS_HOLDER, "Example Studios LLC (fictional)"),
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
    Source.IP_CLAIM: "We hold the rights to this work and did not license this upload. "
                     "(simulated rights-holder notice)",
    Source.LEGAL: "Order to restrict access to the content identified in the annex within "
                  "the period stated. (simulated court order)",
    Source.TRUSTED_FLAGGER: "Flagged by our analysts as likely violating. (simulated flag)",
}


_LEGAL_ORDER = (Source.LEGAL, ReporterType.REGULATOR, "District Court of Exampleton (fictional)")
"""Every other IP-claim slot of the cycle is a legal order instead, so the demo has both."""
_CLAIM_TYPES = (ClaimType.COPYRIGHT, ClaimType.TRADEMARK, ClaimType.COUNTERFEIT)
_WORKS = ('"The Simulated Horizon" (fictional film, 2021)',
          '"Example Brand" word mark (fictional, reg. no. EX-000123)',
          '"Example Brand" handbags (fictional product line)')
_REASONS = {
    HarmCategory.GRAPHIC_VIOLENCE: "Shows violence", HarmCategory.SELF_HARM: "Self-harm",
    HarmCategory.HATE_HARASSMENT: "Hate speech", HarmCategory.SCAMS_FRAUD: "Scam or fraud",
    HarmCategory.INTELLECTUAL_PROPERTY: "Not their work",
    HarmCategory.VIOLENT_EXTREMISM: "Supports a violent group",
    HarmCategory.ANIMAL_WELFARE: "Animal cruelty", HarmCategory.OTHER: "Something else",
}


def demo_context(i: int, source: Source, category: HarmCategory, jurisdiction: str,
                 received: datetime) -> SourceContext | None:
    """Synthetic context of the demo's case `i`: fictional authorities, accounts and works."""
    if source is Source.USER_REPORT:
        return UserReportContext(reporter=f"user-{48210 + i} (pseudonymous)",
                                 reason=_REASONS.get(category, "Something else"))
    if source is Source.REGULATOR:
        return RegulatorContext(
            authority="Office of Online Safety (fictional)",
            legal_basis="EU DSA Art. 16 notice (simulated)", jurisdiction=jurisdiction,
            reference=f"OOS-2025-{1000 + i}",
            statutory_deadline=received + timedelta(hours=6 + 6 * (i % 4)))
    if source is Source.BUSINESS_PARTNER:
        return BusinessContext(account=f"Acme Ads Ltd (fictional), account 88-104-{i:03d}",
                               listing_id=f"AD-{700000 + i}",
                               advertiser_policy="Ads: deceptive or fraudulent offers")
    if source is Source.IP_CLAIM:
        kind = (i // 10) % len(_CLAIM_TYPES)
        return IPClaimContext(rights_holder="Example Studios LLC (fictional)",
                              work=_WORKS[kind], claim_type=_CLAIM_TYPES[kind])
    if source is Source.LEGAL:
        return LegalOrderContext(authority="District Court of Exampleton (fictional)",
                                 order_reference=f"CV-2025-{i:04d}", jurisdiction=jurisdiction,
                                 deadline=received + timedelta(hours=36))
    return None


_DECIDABLE_AS_IS = [s for s in _SOURCES
                    if not any(need.source is s[0] for need in DECISION_NEEDS)]
"""The demo's sources whose decisions need nothing beyond an action and a citation."""


def demo_case(i: int, rng: random.Random, now: datetime, *, media_px: tuple[int, int],
              media_count: int = 1, decidable_as_is: bool = False) -> NewCase:
    """The demo's case number `i`. `decidable_as_is`: only sources whose decisions need no
    legal ground or claim outcome (`domain.DECISION_NEEDS`), for tests of the flow that decide
    whichever case comes first with whichever action."""
    sources = _DECIDABLE_AS_IS if decidable_as_is else _SOURCES
    source, reporter_type, org = sources[i % len(sources)]
    if i % 10 == 8 and not decidable_as_is:
        source, reporter_type, org = _LEGAL_ORDER
    category, area = _CATEGORIES[i % len(_CATEGORIES)]
    severity = Severity(rng.choice([1, 2, 3, 3, 4, 4]) if i % 3 else (i % 5))
    received = now - timedelta(minutes=rng.randrange(5, 600))
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
        reporter_type=reporter_type,
        reporter_statement=_STATEMENTS[source], reporter_organisation=org,
        reporter_reference=f"REF-{1000 + i}" if org else None,
        jurisdiction=_JURISDICTIONS[i % len(_JURISDICTIONS)],
        context=demo_context(i, source, category, _JURISDICTIONS[i % len(_JURISDICTIONS)],
                             received),
        subject_text=f"Simulated post #{i + 1}: text of the reported item. "
                     "SIMULATED CONTENT for the demo.",
        media=media, history=history,
    )


def add_case(db_url: str, case: NewCase, *, migrate: bool = False,
             media_dir: Path | None = None) -> str:
    """Adds one case exactly as described (media sniffed, probed, hashed and put into the
    media store of `db_url`, or `media_dir`); returns its id."""
    if migrate:
        upgrade_head(db_url)
    store = store_for(db_url, media_dir)
    db = Database(db_url, pool_size=1)
    try:
        with db.write() as s:
            return add_case_rows(s, case, store)
    finally:
        db.dispose()


def add_cases(
    db_url: str, count: int, *, media_px: tuple[int, int] = (64, 36), seed: int = 0,
    media_count: int = 1, migrate: bool = True, now: datetime | None = None,
    media_dir: Path | None = None, decidable_as_is: bool = False,
) -> list[str]:
    """Adds `count` synthetic cases; small media by default so thousands take seconds (the
    small templates repeat, so their bytes are checked once and stored once)."""
    if migrate:
        upgrade_head(db_url)
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    store = store_for(db_url, media_dir)
    db = Database(db_url, pool_size=1)
    ids: list[str] = []
    try:
        cache: dict[int, tuple[NewCase, list[CheckedMedia]]] = {}
        batch = 500
        for start in range(0, count, batch):
            with db.write() as s:
                for i in range(start, min(count, start + batch)):
                    if media_px[0] * media_px[1] <= 64 * 64:
                        if i % 16 not in cache:
                            template = demo_case(i % 16, rng, now, media_px=media_px,
                                                 media_count=media_count,
                                                 decidable_as_is=decidable_as_is)
                            cache[i % 16] = template, [check_media(m) for m in template.media]
                        template, checked = cache[i % 16]
                        ids.append(add_case_rows(s, template, store, checked))
                    else:
                        ids.append(add_case_rows(
                            s, demo_case(i, rng, now, media_px=media_px, media_count=media_count,
                                         decidable_as_is=decidable_as_is),
                            store))
    finally:
        db.dispose()
    return ids


def seed_demo(db_url: str, *, cases: int = 12, history: bool = False, media: bool = False,
              media_dir: Path | None = None, decidable_as_is: bool = False,
              matches: bool = False, trends: bool = False) -> DemoAccounts:
    """Schema, the three demo users in team `escalations`, and `cases` synthetic cases
    (only when the database has no cases yet, so a second run adds nothing); with `media`,
    after them the demo's cases of every medium (`media_cases`, lower in priority, so the
    queue's first cases are the same with or without them); with `history`, also the team's
    synthetic colleagues and their weeks of exposure (`seed_history`); with `matches`, the
    near-duplicate and hash-bank cases (`seed_matches`); with `trends` (and `history` or
    `matches`, whose colleagues decide it), a burst of one trusted flagger's reports and
    five weeks of hourly counts behind it, so the Intelligence tab has a spike to explain
    (`seed_trends`), and blind second reviews of the burst's decisions, one of them
    disagreeing and one waiting for the demo specialist (`seed_quality`). Tests leave
    `history`, `media`, `matches` and `trends` off: they count
    what they do themselves (and most ask `decidable_as_is`, see
    `demo_case`)."""
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
        add_cases(db_url, cases, media_px=(1280, 720), migrate=False, seed=42,
                  media_dir=media_dir, decidable_as_is=decidable_as_is)
    if case_count == 0 and media:
        for case in media_cases(datetime.now(UTC)):
            add_case(db_url, case, media_dir=media_dir)
    if case_count == 0 and matches:
        from reviewer_app.service.seed_matches import add_match_cases

        add_match_cases(db_url, datetime.now(UTC), team=accounts.team,
                        password=accounts.member_password, media_dir=media_dir)
    if history:
        seed_history(db_url, accounts)
    if case_count == 0 and trends and (history or matches):
        from reviewer_app.service.seed_matches import COLLEAGUE
        from reviewer_app.service.seed_quality import add_quality_history
        from reviewer_app.service.seed_trends import add_trend_history

        burst = add_trend_history(db_url, datetime.now(UTC),
                                  accounts.members if history else (COLLEAGUE,),
                                  media_dir=media_dir)
        add_quality_history(db_url, burst, accounts.team, datetime.now(UTC),
                            signing_in=accounts.specialist[0])
    return accounts


# ------------------------------------------------------------------ cases of every medium

MEDIA_CASE_PRIORITY = 5
"""Below every generic demo case's (10 to 90): the queue shows these after those."""
LONG_TEXT_PARAGRAPHS = 14


@functools.cache
def _demo_video(width: int, height: int, seconds: float, seed: int, audio: bool) -> bytes:
    from reviewer_app.service.mediagen import synthetic_video

    return synthetic_video(width, height, fps=30, seconds=seconds, seed=seed, audio=audio)


@functools.cache
def _demo_audio(seconds: float, tones: tuple[float, ...]) -> bytes:
    from reviewer_app.service.mediagen import synthetic_audio

    return synthetic_audio(seconds, rate=22050, tones=tones)


def long_text(paragraphs: int = LONG_TEXT_PARAGRAPHS) -> str:
    """Obviously synthetic text, long enough to scroll and to search in."""
    words = ("simulated", "placeholder", "synthetic", "sample", "thread", "message", "demo",
             "reported", "content", "review", "example", "fictional")
    rng = random.Random(5)
    out = ["SIMULATED CONTENT: a long reported thread, made up for the demo. Nothing here is "
           "real; search it for the word MARKER."]
    for n in range(1, paragraphs + 1):
        sentences = [" ".join(rng.choice(words) for _ in range(rng.randint(8, 16))).capitalize()
                     + "." for _ in range(rng.randint(4, 7))]
        if n % 5 == 0:
            sentences.append("MARKER: the passage a reviewer would search for (simulated).")
        out.append(f"[{n}] " + " ".join(sentences))
    out.append("End of the SIMULATED CONTENT.")
    return "\n\n".join(out)


def media_cases(now: datetime) -> list[NewCase]:
    """The demo's cases of every medium: three images; a 1280x720 video of about 8 s; a video
    with sound, a picture and a recording; a recording only; a long text at high severity."""
    base = demo_case(0, random.Random(3), now, media_px=(64, 36))

    def case(n: int, category: HarmCategory, area: PolicyArea, severity: Severity,
             subject: str, media: list[NewMedia]) -> NewCase:
        return replace(base, harm_category=category, policy_area=area, severity=severity,
                       priority=MEDIA_CASE_PRIORITY, subject_text=subject, media=media,
                       received_at=now - timedelta(minutes=30 + 37 * n),  # not all in one hour
                       sla_due_at=now + timedelta(hours=24 + n), history=[],
                       reporter_reference=f"REF-MEDIA-{n}")

    image = functools.partial(synthetic_image, width=1280, height=720)
    return [
        case(1, HarmCategory.GRAPHIC_VIOLENCE, PolicyArea.COMMUNITY_STANDARDS, Severity.MODERATE,
             "Simulated post with three pictures. SIMULATED CONTENT for the demo.",
             [NewMedia(image(101 + k, fmt="JPEG" if k % 2 else "PNG", label=f"item {k + 1}"),
                       "image/jpeg" if k % 2 else "image/png") for k in range(3)]),
        case(2, HarmCategory.VIOLENT_EXTREMISM, PolicyArea.REGULATORY, Severity.HIGH,
             "Simulated video upload. SIMULATED CONTENT for the demo.",
             [NewMedia(_demo_video(1280, 720, 8.0, 21, False), "video/mp4")]),
        case(3, HarmCategory.ANIMAL_WELFARE, PolicyArea.COMMUNITY_STANDARDS, Severity.MODERATE,
             "Simulated post with a video, a picture and a voice note. SIMULATED CONTENT.",
             [NewMedia(_demo_video(640, 360, 4.0, 22, True), "video/mp4"),
              NewMedia(image(131, fmt="PNG", label="picture"), "image/png"),
              NewMedia(_demo_audio(5.0, (330.0, 495.0)), "audio/wav")]),
        case(4, HarmCategory.HATE_HARASSMENT, PolicyArea.COMMUNITY_STANDARDS, Severity.LOW,
             "Simulated voice message (tones only). SIMULATED CONTENT for the demo.",
             [NewMedia(_demo_audio(6.0, (440.0, 660.0)), "audio/wav")]),
        case(5, HarmCategory.SELF_HARM, PolicyArea.COMMUNITY_STANDARDS, Severity.SEVERE,
             "Simulated long thread. SIMULATED CONTENT for the demo.",
             [NewMedia(long_text().encode("utf-8"), "text/plain")]),
    ]


# ------------------------------------------------------------------ synthetic history

HISTORY_WEEKS = 5
DOSE_AWARE_SINCE = timedelta(days=14)
"""The demo team's lead switched dose-aware assignment on this long ago."""
SHIFT_START = time(8, 0)
SHIFT_HOURS = 8
_HOT = ("ana", "ben")
"""Before dose-aware assignment, these two got most of the severe cases."""
_NEAR_CAP = "dana"
"""Today, near the daily cap on seconds of high and severe media revealed."""
_CAP_HIT = "ben"
"""Reached that cap once last week."""
_CATEGORY_WEIGHTS = {
    HarmCategory.GRAPHIC_VIOLENCE: 5, HarmCategory.SELF_HARM: 3, HarmCategory.HATE_HARASSMENT: 4,
    HarmCategory.SCAMS_FRAUD: 4, HarmCategory.VIOLENT_EXTREMISM: 2,
    HarmCategory.ANIMAL_WELFARE: 1, HarmCategory.CHILD_SAFETY: 1, HarmCategory.OTHER: 2,
}


@dataclass
class _History:
    """Rows to insert, built in memory from one seeded random generator."""

    rng: random.Random
    now: datetime
    exposures: list[dict[str, Any]]
    events: dict[int, list[tuple[ExposureEvent, datetime]]]
    service_breaks: list[dict[str, Any]]
    checkins: list[dict[str, Any]]
    overridden: list[tuple[str, datetime]]
    n: int = 0

    def ident(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128))

    def exposure(self, user_id: int, at: datetime, category: HarmCategory, severity: int,
                 kind: ExposureKind, ms: int) -> None:
        if at >= self.now:
            return
        self.n += 1
        event = ExposureEvent.model_construct(  # built here, valid by construction
            client_id=self.ident(), case_id=f"HIST{self.n // 3:06d}",
            media_id=f"HISTM{self.n // 3:06d}", harm_category=category,
            severity=Severity(severity), kind=kind, duration_ms=ms, at=at)
        self.events.setdefault(user_id, []).append((event, at))
        self.exposures.append({
            "client_id": str(event.client_id), "user_id": user_id, "case_id": event.case_id,
            "media_id": event.media_id, "harm_category": category.value, "severity": severity,
            "kind": kind.value, "duration_ms": ms, "at": at, "received_at": at,
            "status": "counted", "reason": "",
            "origin": "service" if kind is ExposureKind.SHOWN else "client",
            "lease_id": None, "reported_json": None})

    def brk(self, user_id: int, username: str, kind: BreakKind, start: datetime,
            seconds: float, *, mood: int | None = None, early: bool = False) -> None:
        end = start + timedelta(seconds=seconds * (0.4 if early else 1.0))
        if end >= self.now:
            return
        self.service_breaks.append({"user_id": user_id, "kind": kind.value, "started_at": start,
                                    "ended_at": end, "ended_early_by": "lead" if early else None})
        if early:
            self.overridden.append((username, end))
        if mood is not None:
            self.checkins.append({"client_id": str(self.ident()), "user_id": user_id,
                                  "kind": kind.value, "started_at": start, "ended_at": end,
                                  "checkin_mood": mood, "received_at": end,
                                  "status": "accepted", "reason": ""})


def _severe_share(name: str, day: datetime, now: datetime) -> float:
    if day >= now - DOSE_AWARE_SINCE:
        return 0.2
    return 0.55 if name in _HOT else 0.08


def _workday(h: _History, user_id: int, name: str, day: datetime) -> None:
    """One synthetic shift: cases every few minutes (served, and often revealed, longer the
    more severe), a scheduled break every 50 minutes, a micro-break after each severe
    reveal, now and then a check-in mood."""
    rng = h.rng
    categories = list(_CATEGORY_WEIGHTS)
    weights = list(_CATEGORY_WEIGHTS.values())
    start = datetime.combine(day.date(), SHIFT_START, UTC)
    end = start + timedelta(hours=SHIFT_HOURS)
    if day.date() == h.now.date():  # today: the hours before now, whenever the demo runs
        start = max(day, h.now - timedelta(hours=SHIFT_HOURS // 2))
        end = h.now
        if name == _NEAR_CAP:
            _near_cap_today(h, user_id, start)
            return
    cap_hit = name == _CAP_HIT and day.date() == (h.now - timedelta(days=7)).date()
    near_cap = False
    low_mood = 0 if day >= h.now - DOSE_AWARE_SINCE or name not in _HOT else 1
    at, next_break = start, start + timedelta(minutes=50)
    while at < end:
        severe = rng.random() < (0.9 if near_cap or cap_hit else _severe_share(name, day, h.now))
        severity = rng.choice([3, 4]) if severe else rng.choice([0, 1, 1, 2, 2])
        category = rng.choices(categories, weights)[0]
        h.exposure(user_id, at, category, severity, ExposureKind.SHOWN, 0)
        if rng.random() < (0.75 if severe else 0.3):
            ms = (rng.randint(45_000, 75_000) if near_cap or cap_hit
                  else rng.randint(1_500, 9_000 if severe else 4_000))
            revealed_at = at + timedelta(seconds=20)
            h.exposure(user_id, revealed_at, category, severity, ExposureKind.REVEALED, ms)
            if severity >= 4:
                h.brk(user_id, name, BreakKind.MICRO, revealed_at + timedelta(milliseconds=ms),
                      60)
        at += timedelta(seconds=rng.randint(240, 600))
        if at >= next_break and at < end:
            mood = (max(1, min(5, rng.choice([3, 4, 4, 5]) - low_mood - rng.randint(0, 1)))
                    if rng.random() < 0.3 else None)
            h.brk(user_id, name, BreakKind.SCHEDULED, at, 600, mood=mood,
                  early=rng.random() < 0.04)
            at += timedelta(minutes=10)
            next_break = at + timedelta(minutes=50)


def _near_cap_today(h: _History, user_id: int, start: datetime) -> None:
    """Today, long looks at severe media: about 85% of the standard profile's daily cap on
    seconds revealed (3600 s at severity 3 or more), in at most 24 reveals an hour (its
    hourly cap is 30), so the lead sees this person first."""
    end = h.now - timedelta(minutes=1)
    if end <= start:
        return
    count = max(1, min(24, int((end - start) / timedelta(hours=1) * 24)))
    step = (end - start) / count
    for i in range(count):
        at = start + step * i
        category = h.rng.choice([HarmCategory.GRAPHIC_VIOLENCE, HarmCategory.SELF_HARM])
        severity = h.rng.choice([3, 4])
        h.exposure(user_id, at, category, severity, ExposureKind.SHOWN, 0)
        h.exposure(user_id, at + timedelta(seconds=5), category, severity,
                   ExposureKind.REVEALED, 3_060_000 // count)


def _dose_aware_policy(policy: ExposurePolicy) -> ExposurePolicy:
    data = policy.model_dump(mode="json")
    data["version"] = policy.version + 1
    data["assignment"] = {**data["assignment"], "dose_aware": True}
    return ExposurePolicy.model_validate(data)


def _policy_change(s: Session, team: str, lead: str, at: datetime) -> None:
    """The lead switched dose-aware assignment on (audited as the service does)."""
    before = default_policy()
    after = _dose_aware_policy(before)
    s.add(TeamPolicyRow(team=team, version=after.version, policy_json=after.canonical_json(),
                        updated_by=lead, updated_at=at,
                        reason="Spread the severe cases: nobody gets all the worst of a day"))
    audit.record(s, at=at, actor=lead, action="policy_change", subject_type="team",
                 subject_id=team, client="demo seed",
                 detail={"reason": "Spread the severe cases: nobody gets all the worst of a day",
                         "from_version": before.version, "to_version": after.version,
                         "from_etag": before.etag(), "to_etag": after.etag(),
                         "from_assignment": before.assignment.model_dump(mode="json"),
                         "assignment": after.assignment.model_dump(mode="json")})


def seed_history(db_url: str, accounts: DemoAccounts | None = None, *,
                 now: datetime | None = None, seed: int = 7) -> None:
    """The demo team's synthetic colleagues (`DemoAccounts.members`) and four weeks of their
    synthetic exposure, breaks and check-in moods up to `now`, as the service would have
    recorded them: counted exposure events and the daily and weekly totals, the enforced
    breaks (a few ended early by the lead), the ledgers the service enforces today, a cap
    hit, and the lead's switch to dose-aware assignment two weeks ago (before it, two people
    got most of the severe cases; after it, everyone about as many). Deterministic for a
    given `now` and `seed`; does nothing when the colleagues exist already."""
    accounts = accounts or DemoAccounts()
    now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    db = Database(db_url, pool_size=1)
    try:
        with db.read() as s:
            if s.scalar(select(func.count()).select_from(User)
                        .where(User.username.in_(accounts.members))):
                return
        cheap = PasswordHasher(time_cost=1, memory_cost=4096)  # synthetic demo colleagues
        for name in accounts.members:
            add_user(db_url, name, accounts.member_password, Role.SPECIALIST, accounts.team,
                     migrate=False, hasher=cheap)
        with db.write() as s:
            ids = dict(s.execute(select(User.username, User.id)
                                 .where(User.username.in_(accounts.members))).all())
            _write_history(s, accounts, ids, now, random.Random(seed))
    finally:
        db.dispose()


def _write_history(s: Session, accounts: DemoAccounts, ids: dict[str, int], now: datetime,
                   rng: random.Random) -> None:
    h = _History(rng, now, [], {}, [], [], [])
    first = (now - timedelta(weeks=HISTORY_WEEKS)).date()
    for offset in range((now.date() - first).days + 1):
        day = datetime.combine(first + timedelta(days=offset), time(0), UTC)
        if day.weekday() >= 5:
            continue
        for name in accounts.members:
            _workday(h, ids[name], name, day)
    lead = accounts.lead[0]
    _policy_change(s, accounts.team, lead, now - DOSE_AWARE_SINCE)
    conn = s.connection()
    for start in range(0, len(h.exposures), 1000):
        conn.execute(insert(table(ExposureRow)), h.exposures[start:start + 1000])
    if h.service_breaks:
        conn.execute(insert(table(ServiceBreakRow)), h.service_breaks)
    if h.checkins:
        conn.execute(insert(table(BreakRow)), h.checkins)
    for username, at in h.overridden:
        audit.record(s, at=at, actor=lead, action="break_override", subject_type="user",
                     subject_id=username, client="demo seed",
                     detail={"reason": "agreed with the reviewer (synthetic demo history)"})
    hit_day = datetime.combine((now - timedelta(days=7)).date(), SHIFT_START, UTC)
    audit.record(s, at=hit_day + timedelta(hours=6), actor=_CAP_HIT, action="cap_reached",
                 subject_type="user", subject_id=_CAP_HIT, client="demo seed",
                 detail={"cap": "*:sev3+:day:seconds_revealed", "window": "day",
                         "used": 3600, "limit": 3600})
    policy = _dose_aware_policy(default_policy())
    offset = policy.service_day_utc_offset_minutes
    for user_id in ids.values():
        counted = h.events.get(user_id, [])
        add_totals(s, user_id, offset, counted)
        _ledger_row(s, user_id, policy, [e for e, _at in counted], now)


def _ledger_row(s: Session, user_id: int, policy: ExposurePolicy,
                events: list[ExposureEvent], now: datetime) -> None:
    """The reviewer's safeguards state as the service keeps it: the ledger of their recent
    exposure (what `/v1/me/exposure` and the gate read), and an idle break scheduler."""
    ledger = ExposureLedger.from_events(
        (e for e in events if e.at >= now - timedelta(days=8)),
        utc_offset_minutes=policy.service_day_utc_offset_minutes, now=now)
    scheduler = BreakScheduler(policy.breaks, ServiceTime(now))
    scheduler.set_idle(True)
    s.add(SafeguardStateRow(
        user_id=user_id, updated_at=now,
        ledger_json=json.dumps(ledger.to_state(), separators=(",", ":")),
        scheduler_json=json.dumps(scheduler.to_state(), separators=(",", ":"), default=str),
        enforcement_json="{}"))
