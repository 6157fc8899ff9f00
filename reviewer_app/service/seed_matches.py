"""The demo's near-duplicate and hash-bank cases: what matching spares a reviewer, to try.

`add_match_cases` adds, after the demo's generic cases:
- a picture a colleague (`ines`, synthetic) decided yesterday, and a resized, cropped JPEG
  copy of it waiting in the queue: its match banner shows the earlier decision, to apply
  without revealing (Ctrl+Shift+A);
- three copies of one picture (the original, a re-encoding, a smaller one): a group, to
  decide at once after viewing one (Ctrl+Shift+G, then the decision);
- a hash bank `demo-known-violating` with one picture's hash, and a re-encoded copy of that
  picture: flagged at ingest and raised to the top of the queue, decided without a reveal.

Every picture is a generated shape labelled SIMULATED CONTENT (`imagegen.synthetic_image`).
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from PIL import Image
from sqlalchemy import select

from reviewer_app.domain import (
    Action,
    CaseStatus,
    HarmCategory,
    PolicyArea,
    ReporterType,
    Role,
    Severity,
    Source,
    UserReportContext,
)
from reviewer_app.service import matching, pdq
from reviewer_app.service.accounts import add_user
from reviewer_app.service.db import Database
from reviewer_app.service.imagegen import synthetic_image
from reviewer_app.service.ingest import NewCase, NewMedia
from reviewer_app.service.models import CaseRow, DecisionRow, User
from reviewer_app.service.models_pdq import HashBankRow

MATCH_CASE_PRIORITY = 6
"""Below the generic demo cases (10 to 90), above the cases of every medium (5)."""
DEMO_BANK = "demo-known-violating"
COLLEAGUE = "ines"
"""The synthetic colleague who decided the earlier case."""


@dataclass(frozen=True)
class MatchCases:
    earlier: str
    """Decided yesterday by COLLEAGUE."""
    later: str
    """A resized, cropped copy of `earlier`'s picture, waiting."""
    group: tuple[str, str, str]
    flagged: str
    """In DEMO_BANK."""


def altered(data: bytes, *, scale: float = 0.6, crop: float = 0.05, quality: int = 70) -> bytes:
    """The picture as a re-post would carry it: resized, cut by `crop` on each side, saved
    again as JPEG."""
    img = Image.open(io.BytesIO(data)).convert("RGB")
    img = img.resize((int(img.width * scale), int(img.height * scale)),
                     Image.Resampling.BICUBIC)
    dx, dy = int(img.width * crop), int(img.height * crop)
    img = img.crop((dx, dy, img.width - dx, img.height - dy))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def _case(n: int, now: datetime, category: HarmCategory, severity: Severity, subject: str,
          media: bytes, content_type: str, *, priority: int = MATCH_CASE_PRIORITY) -> NewCase:
    received = now - timedelta(minutes=40 + 41 * n)  # spread over hours, as reports come
    return NewCase(
        source=Source.USER_REPORT, policy_area=PolicyArea.COMMUNITY_STANDARDS,
        harm_category=category, severity=severity, priority=priority, received_at=received,
        sla_due_at=now + timedelta(hours=20 + n), reporter_type=ReporterType.USER,
        reporter_statement="Reported as a re-post of something seen before. (simulated)",
        reporter_reference=f"REF-MATCH-{n}", jurisdiction="EU-DE",
        context=UserReportContext(reporter=f"user-{7000 + n} (simulated)",
                                  reason=f"{category.value.replace('_', ' ')} (simulated)"),
        subject_text=f"{subject} SIMULATED CONTENT for the demo.",
        media=[NewMedia(media, content_type)])


def _colleague(db_url: str, team: str, password: str) -> int:
    db = Database(db_url, pool_size=1)
    try:
        with db.read() as s:
            uid = s.scalar(select(User.id).where(User.username == COLLEAGUE))
        if uid is None:
            add_user(db_url, COLLEAGUE, password, Role.SPECIALIST, team, migrate=False,
                     hasher=PasswordHasher(time_cost=1, memory_cost=4096))
            with db.read() as s:
                uid = s.scalar(select(User.id).where(User.username == COLLEAGUE))
        assert uid is not None
        return uid
    finally:
        db.dispose()


def _decided_yesterday(db_url: str, case_id: str, user_id: int, now: datetime) -> None:
    """The colleague's decision, as the service would have recorded it."""
    at = now - timedelta(days=1)
    db = Database(db_url, pool_size=1)
    try:
        with db.write() as s:
            row = s.get(CaseRow, case_id)
            assert row is not None
            row.status = CaseStatus.DECIDED.value
            s.add(DecisionRow(
                client_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo-decision:{case_id}")),
                case_id=case_id, lease_id=f"demo-{case_id}", user_id=user_id,
                action=Action.REMOVE.value, policy_refs=json.dumps(["CS-VIO-1"]),
                reason="Gratuitous depiction; removed. (simulated)", decided_at=at,
                received_at=at, handle_ms=48_000, body_hash="demo"))
    finally:
        db.dispose()


def _bank(db_url: str, picture: bytes, now: datetime) -> None:
    db = Database(db_url, pool_size=1)
    try:
        with db.write() as s:
            bank = s.scalar(select(HashBankRow).where(HashBankRow.name == DEMO_BANK))
            if bank is None:
                bank = HashBankRow(name=DEMO_BANK, created_by="admin", created_at=now,
                                   description="Demo bank of known material (synthetic "
                                               "shapes only)")
                s.add(bank)
                s.flush()
            matching.add_bank_entries(s, bank, [pdq.hash_image(picture)[0].hex],
                                      actor="admin", now=now)
    finally:
        db.dispose()


def add_match_cases(db_url: str, now: datetime, *, team: str, password: str,
                    media_dir: Path | None = None) -> MatchCases:
    from reviewer_app.service.seed import add_case

    def add(case: NewCase) -> str:
        return add_case(db_url, case, media_dir=media_dir)

    def picture(seed: int, label: str) -> bytes:
        return synthetic_image(seed, width=1280, height=720, fmt="PNG", label=label)

    earlier_picture = picture(5101, "re-post")
    earlier = add(_case(1, now - timedelta(days=1), HarmCategory.GRAPHIC_VIOLENCE,
                        Severity.HIGH, "Simulated post, decided yesterday.", earlier_picture,
                        "image/png"))
    _decided_yesterday(db_url, earlier, _colleague(db_url, team, password), now)
    later = add(_case(2, now, HarmCategory.GRAPHIC_VIOLENCE, Severity.HIGH,
                      "Simulated re-post of a picture decided before.",
                      altered(earlier_picture), "image/jpeg"))

    shared = picture(5202, "shared")
    copies = [(shared, "image/png"), (altered(shared, scale=1.0, crop=0.0, quality=80),
                                      "image/jpeg"),
              (altered(shared, scale=0.5, crop=0.02), "image/jpeg")]
    group = [add(_case(3 + k, now, HarmCategory.HATE_HARASSMENT, Severity.MODERATE,
                       "Simulated picture posted by several accounts at once.", data, kind))
             for k, (data, kind) in enumerate(copies)]

    known = picture(5303, "known")
    _bank(db_url, known, now)
    flagged = add(_case(6, now, HarmCategory.GRAPHIC_VIOLENCE, Severity.SEVERE,
                        "Simulated upload of material in a hash bank.",
                        altered(known, crop=0.0), "image/jpeg"))
    assert len(group) == 3
    return MatchCases(earlier=earlier, later=later, group=(group[0], group[1], group[2]),
                      flagged=flagged)
