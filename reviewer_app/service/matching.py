"""Near-duplicate matching: PDQ hashes at ingest, near-duplicate groups, hash banks.

Every picture (whole, and centred crops of it: pdq.CROP_LADDER) and a few frames of every
video are hashed when a case is ingested (`on_case_ingested`, called by ingest.py in the
ingest transaction). A new case whose media lies within the threshold of an earlier case's
joins that case's near-duplicate group, so the reviewer can see the earlier decision and
apply it without revealing anything; one that matches an entry of an admin-loaded hash bank
is flagged with the bank (`bank_match`, which routing reads). Lookups go through the chunk
keys of hashindex.py, stored beside the hashes, so they stay exact and grow far slower than
the number of hashes.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from sqlalchemy import Row, TextClause, func, insert, select, text, update
from sqlalchemy.orm import Session

from reviewer_app.contract import (
    BankMatch,
    BankName,
    CaseMatches,
    HashBank,
    HashBankCreate,
    HashBankEntries,
    HashBankEntriesAdded,
    HashBankList,
    MatchedDecision,
    NearDuplicate,
)
from reviewer_app.domain import Action, Identifier, MediaKind, ProblemCode, Role
from reviewer_app.service import audit, blind, hashindex, pdq, routing
from reviewer_app.service.auth import Access, Admin, CurrentUser
from reviewer_app.service.cases import may_read
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.models import CaseRow, DecisionRow
from reviewer_app.service.models_pdq import (
    CaseBankMatchRow,
    CaseMatchRow,
    HashBankEntryRow,
    HashBankKeyRow,
    HashBankRow,
    MediaHashKeyRow,
    MediaHashRow,
)
from reviewer_app.service.openapi import model_reply, problems
from reviewer_app.service.problems import ProblemError

router = APIRouter()

DEFAULT_THRESHOLD = hashindex.DEFAULT_THRESHOLD
_KEY_BATCH = 2000
"""Probe keys per statement (the default threshold probes 272 keys per hash)."""
_HASH_CACHE: OrderedDict[tuple[MediaKind, str], list[pdq.PdqHash]] = OrderedDict()
_HASH_CACHE_SIZE = 256
_HASH_CACHE_LOCK = threading.Lock()


def threshold_of(ctx: ServiceContext) -> int:
    """The service's near-duplicate threshold (settings `near_dup_threshold`)."""
    return int(getattr(ctx.settings, "near_dup_threshold", DEFAULT_THRESHOLD))


@dataclass(frozen=True)
class IngestedMedia:
    media_id: str
    kind: MediaKind
    data: bytes
    sha256: str = ""


@dataclass(frozen=True)
class _Hit:
    """A case's media within the threshold of a bank entry."""

    owner: str
    """The bank entry's id."""
    media_id: str
    distance: int


# ------------------------------------------------------------------------------ ingest


def on_case_ingested(
    session: Session, case_id: str, media: Sequence[IngestedMedia], *,
    threshold: int = DEFAULT_THRESHOLD, now: datetime | None = None,
) -> None:
    """Hashes the new case's media, joins it to the group of every earlier case it matches
    (merging their groups), flags it with the banks it matches, then files its hashes for the
    cases after it. Runs in the ingest transaction, after the media rows were added."""
    session.flush()
    hashed = [(m.media_id, h) for m in media for h in hashes_of(m)]
    usable = [(media_id, h) for media_id, h in hashed if h.usable]
    near = [hit for hit in _media_hits(session, usable, threshold) if hit.row.case_id != case_id]
    bank_hits = _bank_hits(session, usable, threshold)
    _file_hashes(session, case_id, hashed)
    group = _join_groups(session, near) if near else None
    session.add(CaseMatchRow(case_id=case_id, near_dup_group=group))
    session.flush()
    if bank_hits:
        _record_bank_hits(session, case_id, bank_hits, now or datetime.now(UTC))


def hashes_of(media: IngestedMedia) -> list[pdq.PdqHash]:
    """The media's hashes; the same bytes again (a seed reusing a template, a re-upload) are
    not decoded again."""
    cache_key = (media.kind, media.sha256) if media.sha256 else None
    if cache_key is not None:
        with _HASH_CACHE_LOCK:
            if cache_key in _HASH_CACHE:
                _HASH_CACHE.move_to_end(cache_key)
                return _HASH_CACHE[cache_key]
    if media.kind is MediaKind.IMAGE:
        hashes = pdq.hash_image(media.data)
    elif media.kind is MediaKind.VIDEO:
        hashes = pdq.hash_video(media.data)
    else:
        hashes = []
    if cache_key is not None:
        with _HASH_CACHE_LOCK:
            _HASH_CACHE[cache_key] = hashes
            while len(_HASH_CACHE) > _HASH_CACHE_SIZE:
                _HASH_CACHE.popitem(last=False)
    return hashes


def _file_hashes(session: Session, case_id: str,
                 hashed: list[tuple[str, pdq.PdqHash]]) -> None:
    """Stores the hashes; files the chunk keys only of usable hashes that no earlier media
    already has exactly: a later lookup finds that earlier one, and through its value
    (`_same_hash_rows`) every media that has it, so a picture seen a thousand times costs a
    lookup no more than one seen once."""
    rows = [MediaHashRow(media_id=media_id, case_id=case_id, frame=h.frame,
                         crop_permille=round(h.crop * 1000), hash=h.hex, quality=h.quality)
            for media_id, h in hashed]
    usable_hex = sorted({h.hex for _, h in hashed if h.usable})
    filed = set(session.scalars(select(MediaHashRow.hash).where(
        MediaHashRow.hash.in_(usable_hex), MediaHashRow.quality >= pdq.MIN_QUALITY)))
    session.add_all(rows)
    session.flush()
    keys: list[dict[str, int]] = []
    for row, (_, h) in zip(rows, hashed, strict=True):
        if h.usable and h.hex not in filed:
            filed.add(h.hex)
            keys.extend({"key": key, "hash_id": row.id} for key in hashindex.chunk_keys(h.value))
    if keys:
        session.execute(insert(MediaHashKeyRow), keys)


@dataclass(frozen=True)
class _MediaHit:
    row: Row[Any]
    """id, hash, case_id, media_id, near_dup_group of a stored media hash."""
    media_id: str
    """The query's media."""
    distance: int


def _probe_sql(value_sql: str, keys: Iterable[int]) -> TextClause:
    """`value_sql`'s rows filed under any of `keys`: the keys are integers this module made,
    written into the statement (an IN list of bound parameters costs more to compile than
    the lookup itself)."""
    return text(value_sql.format(keys=",".join(str(int(k)) for k in keys)))


_MEDIA_BY_KEYS = (
    "SELECT DISTINCT h.id, h.hash, h.case_id, h.media_id, m.near_dup_group "
    "FROM media_hash_keys k JOIN media_hashes h ON h.id = k.hash_id "
    "LEFT JOIN case_matching m ON m.case_id = h.case_id WHERE k.key IN ({keys})")
_MEDIA_ALL = (
    "SELECT h.id, h.hash, h.case_id, h.media_id, m.near_dup_group FROM media_hashes h "
    f"LEFT JOIN case_matching m ON m.case_id = h.case_id WHERE h.quality >= {pdq.MIN_QUALITY}")
_BANK_BY_KEYS = (
    "SELECT DISTINCT e.id, e.hash FROM hash_bank_keys k "
    "JOIN hash_bank_entries e ON e.id = k.entry_id WHERE k.key IN ({keys})")
_BANK_ALL = "SELECT e.id, e.hash FROM hash_bank_entries e"


def _candidates(session: Session, by_keys: str, scan_all: str, values: list[int],
                threshold: int) -> list[Row[Any]]:
    """The stored rows that may lie within `threshold` of any of `values`: those sharing a
    probe key with one (hashindex.py), or every row when the threshold is too wide."""
    keys: set[int] = set()
    for value in values:
        probes = hashindex.probe_keys(value, threshold)
        if probes is None:
            return list(session.execute(text(scan_all)).all())
        keys.update(probes)
    ordered = sorted(keys)
    rows: dict[int, Row[Any]] = {}
    for start in range(0, len(ordered), _KEY_BATCH):
        for row in session.execute(_probe_sql(by_keys, ordered[start:start + _KEY_BATCH])):
            rows[row.id] = row
    return list(rows.values())


def _media_hits(session: Session, usable: list[tuple[str, pdq.PdqHash]],
                threshold: int) -> list[_MediaHit]:
    """Every filed media hash within the threshold of one of `usable`, nearest per pair."""
    if not usable:
        return []
    rows = _candidates(session, _MEDIA_BY_KEYS, _MEDIA_ALL, [h.value for _, h in usable],
                       threshold)
    hits = []
    for row in rows:
        stored = int(row.hash, 16)
        best: tuple[int, str] | None = None
        for media_id, h in usable:
            d = pdq.distance(stored, h.value)
            if d <= threshold and (best is None or d < best[0]):
                best = (d, media_id)
        if best is not None:
            hits.append(_MediaHit(row=row, media_id=best[1], distance=best[0]))
    return hits


def _bank_candidates(session: Session, value: int, threshold: int) -> list[tuple[int, int]]:
    """(entry id, distance) of every bank entry within the threshold of `value`."""
    rows = _candidates(session, _BANK_BY_KEYS, _BANK_ALL, [value], threshold)
    return hashindex.within(((r.id, int(r.hash, 16)) for r in rows), value, threshold)


def _bank_hits(session: Session, usable: list[tuple[str, pdq.PdqHash]],
               threshold: int) -> list[_Hit]:
    if not usable or session.scalar(select(HashBankEntryRow.id).limit(1)) is None:
        return []
    rows = _candidates(session, _BANK_BY_KEYS, _BANK_ALL, [h.value for _, h in usable],
                       threshold)
    hits: dict[tuple[str, str], _Hit] = {}
    for row in rows:
        stored = int(row.hash, 16)
        for media_id, h in usable:
            d = pdq.distance(stored, h.value)
            key = (str(row.id), media_id)
            if d <= threshold and (key not in hits or d < hits[key].distance):
                hits[key] = _Hit(owner=str(row.id), media_id=media_id, distance=d)
    return sorted(hits.values(), key=lambda hit: (hit.distance, int(hit.owner)))


def _join_groups(session: Session, near: list[_MediaHit]) -> str:
    """The group the new case joins: its matches' group (the least-named one, when they were
    in several: the others merge into it), or a new group for them all. A case with exactly
    the hash of a filed one joined that one's group at its own ingest, so the filed hits
    name every group concerned."""
    groups = sorted({hit.row.near_dup_group for hit in near if hit.row.near_dup_group})
    ungrouped = sorted({hit.row.case_id for hit in near if not hit.row.near_dup_group})
    group = groups[0] if groups else "G" + secrets.token_hex(8)
    if len(groups) > 1:
        session.execute(update(CaseMatchRow)
                        .where(CaseMatchRow.near_dup_group.in_(groups[1:]))
                        .values(near_dup_group=group), execution_options={
                            "synchronize_session": "fetch"})
    if ungrouped:
        have = set(session.scalars(select(CaseMatchRow.case_id)
                                   .where(CaseMatchRow.case_id.in_(ungrouped))))
        session.execute(update(CaseMatchRow).where(CaseMatchRow.case_id.in_(have))
                        .values(near_dup_group=group),
                        execution_options={"synchronize_session": "fetch"})
        session.add_all(CaseMatchRow(case_id=c, near_dup_group=group)
                        for c in ungrouped if c not in have)
    return group


def _record_bank_hits(session: Session, case_id: str, hits: list[_Hit],
                      now: datetime) -> int:
    """Records the case's bank matches (once each) and flags it with the bank of the nearest
    one, unless it is flagged already (then routed: `routing.on_bank_match`); returns how
    many were new."""
    known = {(row.media_id, row.entry_id) for row in session.execute(
        select(CaseBankMatchRow.media_id, CaseBankMatchRow.entry_id)
        .where(CaseBankMatchRow.case_id == case_id))}
    new = [hit for hit in hits if (hit.media_id, int(hit.owner)) not in known]
    session.add_all(CaseBankMatchRow(case_id=case_id, media_id=hit.media_id,
                                     entry_id=int(hit.owner), distance=hit.distance)
                    for hit in new)
    flags = session.get(CaseMatchRow, case_id)
    if flags is None:
        flags = CaseMatchRow(case_id=case_id)
        session.add(flags)
    if new and flags.bank_match is None:
        flags.bank_match = session.scalar(
            select(HashBankRow.name).join(HashBankEntryRow,
                                          HashBankEntryRow.bank_id == HashBankRow.id)
            .where(HashBankEntryRow.id == int(new[0].owner)))
        if flags.bank_match is not None:
            routing.on_bank_match(session, case_id, flags.bank_match, now)
    session.flush()
    return len(new)


# ------------------------------------------------------------------------------ banks


def _bank_out(session: Session, bank: HashBankRow) -> HashBank:
    entries = session.scalar(select(func.count()).select_from(HashBankEntryRow)
                             .where(HashBankEntryRow.bank_id == bank.id)) or 0
    return HashBank(name=bank.name, description=bank.description, entries=entries,
                    created_by=bank.created_by, created_at=bank.created_at)


@router.post("/hash-banks", response_model=HashBank, status_code=201,
             responses={200: {"model": HashBank, "description": "the bank already exists, "
                              "with this description"}, **problems(403)})
def post_hash_bank(
    body: HashBankCreate, request: Request, user: Admin,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Response:
    """Creates a hash bank (admin). Repeating the same request answers 200 with the bank."""
    with ctx.db.write() as s:
        bank = s.scalar(select(HashBankRow).where(HashBankRow.name == body.name))
        if bank is not None:
            if bank.description != body.description:
                raise ProblemError(409, ProblemCode.CONFLICT,
                                   "a hash bank of this name exists with another description")
            return model_reply(_bank_out(s, bank), 200)
        bank = HashBankRow(name=body.name, description=body.description,
                           created_by=user.username, created_at=ctx.now())
        s.add(bank)
        s.flush()
        audit.record(s, at=ctx.now(), actor=user.username, action="hash_bank_created",
                     subject_type="hash_bank", subject_id=body.name,
                     client=client_of(request), detail={"description": body.description})
        return model_reply(_bank_out(s, bank), 201)


@router.get("/hash-banks", response_model=HashBankList, responses=problems(403))
def get_hash_banks(user: Admin, ctx: Annotated[ServiceContext, Depends(get_ctx)]) -> Response:
    with ctx.db.read() as s:
        banks = s.scalars(select(HashBankRow).order_by(HashBankRow.name)).all()
        return model_reply(HashBankList(banks=[_bank_out(s, b) for b in banks]))


@router.post("/hash-banks/{name}/entries", response_model=HashBankEntriesAdded,
             responses=problems(403))
def post_hash_bank_entries(
    name: Annotated[BankName, Path()], body: HashBankEntries, request: Request, user: Admin,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Response:
    """Adds hashes to a bank (admin); those already in it are skipped. Cases already
    ingested whose media match a new entry are flagged now."""
    with ctx.db.write() as s:
        bank = s.scalar(select(HashBankRow).where(HashBankRow.name == name))
        if bank is None:
            raise ProblemError(404, ProblemCode.NOT_FOUND, "no such hash bank")
        added = add_bank_entries(s, bank, body.hashes, actor=user.username, now=ctx.now(),
                                 threshold=threshold_of(ctx), client=client_of(request))
        return model_reply(added)


def add_bank_entries(session: Session, bank: HashBankRow, hashes: Iterable[str], *,
                     actor: str, now: datetime, threshold: int = DEFAULT_THRESHOLD,
                     client: str = "") -> HashBankEntriesAdded:
    """Adds hashes (hex) to `bank`, skipping those in it already; flags (and routes) the cases
    already ingested that match a new entry; audited `hash_bank_entries_added`."""
    wanted = sorted({h.lower() for h in hashes})
    present = set(session.scalars(select(HashBankEntryRow.hash).where(
        HashBankEntryRow.bank_id == bank.id, HashBankEntryRow.hash.in_(wanted))))
    rows = [HashBankEntryRow(bank_id=bank.id, hash=h, added_by=actor, added_at=now)
            for h in wanted if h not in present]
    session.add_all(rows)
    session.flush()
    session.add_all(HashBankKeyRow(key=key, entry_id=row.id)
                    for row in rows for key in hashindex.chunk_keys(int(row.hash, 16)))
    flagged = _flag_ingested(session, rows, threshold, now)
    audit.record(session, at=now, actor=actor, action="hash_bank_entries_added",
                 subject_type="hash_bank", subject_id=bank.name, client=client,
                 detail={"added": len(rows), "already_present": len(present),
                         "cases_flagged": flagged})
    return HashBankEntriesAdded(bank=bank.name, added=len(rows), already_present=len(present),
                                cases_flagged=flagged)


def _flag_ingested(session: Session, entries: list[HashBankEntryRow], threshold: int,
                   now: datetime) -> int:
    """Flags the cases already ingested whose media match one of the new entries (each
    media with its nearest new entry); returns how many cases gained a match."""
    # the entries stand in for a case's media: each hit's `media_id` is then an entry id
    queries = [(str(e.id), pdq.PdqHash(value=int(e.hash, 16), quality=100)) for e in entries]
    nearest = {hit.row.hash: hit for hit in _media_hits(session, queries, threshold)}
    if not nearest:
        return 0
    by_case: dict[str, list[_Hit]] = {}
    for row in session.execute(
        select(MediaHashRow.case_id, MediaHashRow.media_id, MediaHashRow.hash)
        .where(MediaHashRow.hash.in_(sorted(nearest)),
               MediaHashRow.quality >= pdq.MIN_QUALITY)
    ):
        hit = nearest[row.hash]
        by_case.setdefault(row.case_id, []).append(
            _Hit(owner=hit.media_id, media_id=row.media_id, distance=hit.distance))
    flagged = 0
    for case_id, hits in sorted(by_case.items()):
        best: dict[tuple[str, str], _Hit] = {}
        for h in sorted(hits, key=lambda h: (h.distance, int(h.owner))):
            best.setdefault((h.owner, h.media_id), h)
        if _record_bank_hits(session, case_id, list(best.values()), now):
            flagged += 1
    return flagged


# ------------------------------------------------------------------------------ reading

MatchReader = Annotated[CurrentUser, Depends(Access(
    roles=frozenset({Role.SPECIALIST, Role.WELLNESS_LEAD, Role.ADMIN}),
    refused="only a specialist holding the case, a lead or an admin may read its matches"))]
"""Matches carry case ids and decisions, never content: leads read them too (the exposure a
match avoided is theirs to see); a specialist, only for a case they may read."""


@router.get("/cases/{case_id}/matches", response_model=CaseMatches, responses=problems(403))
def get_case_matches(
    case_id: Annotated[Identifier, Path()], user: MatchReader,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Response:
    """The case's near-duplicate group (its other cases, decided ones first with the decision
    in force) and its hash-bank matches."""
    with ctx.db.read() as s:
        case = s.get(CaseRow, case_id)
        if case is None:
            raise ProblemError(404, ProblemCode.NOT_FOUND, "no such case")
        if user.role is Role.SPECIALIST and not may_read(s, user, case):
            raise ProblemError(403, ProblemCode.FORBIDDEN, "this case is not leased to you")
        if (user.role is Role.SPECIALIST and case.leased_by != user.id
                and blind.second_review_of(s, user.id, case_id) is not None):
            return model_reply(blind.blind_matches(matches_of(s, case_id)))
        return model_reply(matches_of(s, case_id))


def matches_of(session: Session, case_id: str) -> CaseMatches:
    flags = session.get(CaseMatchRow, case_id)
    group = flags.near_dup_group if flags else None
    members: list[NearDuplicate] = []
    if group is not None:
        others = session.execute(
            select(CaseRow.id, CaseRow.status)
            .join(CaseMatchRow, CaseMatchRow.case_id == CaseRow.id)
            .where(CaseMatchRow.near_dup_group == group, CaseRow.id != case_id)).all()
        own = _case_hashes(session, case_id)
        for other in others:
            members.append(NearDuplicate(
                case_id=other.id, status=other.status,
                distance=_nearest(own, _case_hashes(session, other.id)),
                decision=_decision_of(session, other.id)))
        members.sort(key=lambda m: (m.decision is None, m.distance, m.case_id))
    banks = session.execute(
        select(HashBankRow.name, CaseBankMatchRow.media_id, CaseBankMatchRow.distance)
        .join(HashBankEntryRow, HashBankEntryRow.id == CaseBankMatchRow.entry_id)
        .join(HashBankRow, HashBankRow.id == HashBankEntryRow.bank_id)
        .where(CaseBankMatchRow.case_id == case_id)
        .order_by(CaseBankMatchRow.distance, CaseBankMatchRow.id)).all()
    return CaseMatches(
        case_id=case_id, near_dup_group=group, bank_match=flags.bank_match if flags else None,
        near_duplicates=members,
        bank_matches=[BankMatch(bank=b.name, media_id=b.media_id, distance=b.distance)
                      for b in banks])


def _case_hashes(session: Session, case_id: str) -> list[int]:
    return [int(h, 16) for h in session.scalars(
        select(MediaHashRow.hash).where(MediaHashRow.case_id == case_id,
                                        MediaHashRow.quality >= pdq.MIN_QUALITY))]


def _nearest(a: list[int], b: list[int]) -> int:
    return min((pdq.distance(x, y) for x in a for y in b), default=pdq.HASH_BITS)


def _decision_of(session: Session, case_id: str) -> MatchedDecision | None:
    """The decision in force: the case's latest (an escalation is followed by another) that
    no correction superseded."""
    row = session.scalars(select(DecisionRow).where(DecisionRow.case_id == case_id,
                                                    DecisionRow.superseded_by.is_(None))
                          .order_by(DecisionRow.decided_at.desc(), DecisionRow.id.desc())
                          .limit(1)).first()
    if row is None:
        return None
    return MatchedDecision(action=Action(row.action), policy_refs=json.loads(row.policy_refs),
                           decided_at=row.decided_at)
