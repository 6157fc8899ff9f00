"""The versioned policy taxonomy: what decisions may cite, and what changed when.

Version 1 is the built-in taxonomy (`domain.POLICY_TAXONOMY` with a short guideline per
code, `BUILTIN`); it has no row. An admin publishes the next version whole
(`POST /v1/policy/versions`) on top of the one in force, with a required change note; a rule
is never dropped, only retired, so every code a decision ever cited stays explained. Each
published version's note lists the codes it added, reworded and retired; a reviewer sees the
notes they have not seen once (the desktop shows them at sign-in and marks them seen when
closed) and can list every note again.

Every decision records the version in force when the service accepted it
(`decisions.policy_version`), after `Taxonomy.check_citations` refused codes unknown or
retired in that version (422 naming them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reviewer_app.contract import (
    PolicyChangeNote,
    PolicyChangeNotes,
    PolicyRule,
    PolicyTaxonomy,
    PolicyVersionCreate,
)
from reviewer_app.domain import POLICY_TAXONOMY, ProblemCode
from reviewer_app.service import audit
from reviewer_app.service.auth import Admin, CurrentUser, PolicyReader
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.models_policy import PolicyNoteSeenRow, PolicyVersionRow
from reviewer_app.service.openapi import model_reply, problems
from reviewer_app.service.problems import ProblemError

router = APIRouter()

_GUIDELINES: dict[str, str] = {
    "CS-VIO-1": "Remove depictions of serious injury or death shared to shock or celebrate.",
    "CS-VIO-2": "Keep newsworthy or documentary violence behind a warning screen.",
    "CS-CHILD-1": "Remove, and escalate to child safety, any sexualisation or endangerment "
                  "of a minor.",
    "CS-SELF-1": "Remove promotion of or instruction in self-injury; keep recovery stories.",
    "CS-ANIMAL-1": "Remove depictions of cruelty to animals shared to shock or celebrate.",
    "CS-HATE-1": "Remove attacks on people for a protected characteristic.",
    "CS-EXT-1": "Remove praise, support or recruitment for violent extremist groups.",
    "AD-SCAM-1": "Remove ads whose offer deceives: fake giveaways, undisclosed costs.",
    "AD-PROD-1": "Remove listings of products that may not be sold on the platform.",
    "IP-COPY-1": "Remove a copy the rights holder's claim shows infringing, unless an "
                 "exception applies.",
    "IP-TM-1": "Remove counterfeits and uses of a mark likely to confuse.",
    "REG-DSA-16": "Act on a sufficiently precise notice of illegal content under the DSA.",
    "REG-ORDER-1": "Comply with a valid order of a competent authority in its jurisdiction.",
}
BUILTIN: tuple[PolicyRule, ...] = tuple(
    PolicyRule(code=ref.code, area=ref.area, title=ref.title,
               guideline=_GUIDELINES.get(ref.code, ""))
    for ref in POLICY_TAXONOMY)
"""Version 1: the built-in taxonomy, in force until an admin publishes version 2."""


@dataclass(frozen=True)
class Taxonomy:
    version: int
    rules: tuple[PolicyRule, ...]
    published_at: datetime | None = None

    @property
    def citable(self) -> frozenset[str]:
        return frozenset(r.code for r in self.rules if not r.retired)

    def check_citations(self, refs: list[str] | tuple[str, ...]) -> None:
        """422 naming the cited codes this version does not know, or has retired."""
        known = {r.code: r for r in self.rules}
        unknown = sorted({c for c in refs if c not in known})
        if unknown:
            raise ProblemError(422, ProblemCode.VALIDATION,
                               f"unknown policy_refs under policy version {self.version}: "
                               f"{unknown}")
        retired = sorted({c for c in refs if known[c].retired})
        if retired:
            raise ProblemError(422, ProblemCode.VALIDATION,
                               f"policy_refs retired in policy version {self.version}: "
                               f"{retired}")

    def out(self) -> PolicyTaxonomy:
        return PolicyTaxonomy(version=self.version, published_at=self.published_at,
                              rules=list(self.rules))


BUILTIN_TAXONOMY = Taxonomy(1, BUILTIN)
_PUBLISHED: dict[tuple[str, int], Taxonomy] = {}
"""Published versions never change: parsed once per (database, version)."""
_SESSION_KEY = "policy_taxonomy"


def _of_row(row: PolicyVersionRow) -> Taxonomy:
    rules = tuple(PolicyRule.model_validate(r) for r in json.loads(row.rules_json))
    return Taxonomy(row.version, rules, row.published_at)


def current(session: Session, ctx: ServiceContext) -> Taxonomy:
    """The version in force, read once per session (a sync batch decides many at once): one
    primary-key lookup of the newest version, its rules parsed once per process."""
    cached = session.info.get(_SESSION_KEY)
    if isinstance(cached, Taxonomy):
        return cached
    newest = session.scalar(select(func.max(PolicyVersionRow.version)))
    if newest is None:
        taxonomy = BUILTIN_TAXONOMY
    else:
        key = (ctx.settings.db_url, int(newest))
        taxonomy = _PUBLISHED.get(key) or _PUBLISHED.setdefault(
            key, _of_row(session.get_one(PolicyVersionRow, newest)))
    session.info[_SESSION_KEY] = taxonomy
    return taxonomy


def _changes(before: Taxonomy, rules: list[PolicyRule]) -> dict[str, list[str]]:
    """What `rules` change against `before`; 422 when they drop a rule or change nothing."""
    codes = [r.code for r in rules]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise ProblemError(422, ProblemCode.VALIDATION, f"codes listed twice: {twice}")
    old = {r.code: r for r in before.rules}
    dropped = sorted(set(old) - set(codes))
    if dropped:
        raise ProblemError(422, ProblemCode.VALIDATION,
                           f"rules are retired (retired: true), never dropped: {dropped}")
    added = [r.code for r in rules
             if r.code not in old or (old[r.code].retired and not r.retired)]
    retired = [r.code for r in rules if r.retired and r.code in old and not old[r.code].retired]
    reworded = [r.code for r in rules if r.code in old and not r.retired
                and (r.title, r.guideline, r.area) != (old[r.code].title,
                                                       old[r.code].guideline, old[r.code].area)]
    if not (added or retired or reworded):
        raise ProblemError(422, ProblemCode.VALIDATION, "this version changes nothing")
    return {"added": added, "reworded": reworded, "retired": retired}


def _note_of(row: PolicyVersionRow) -> PolicyChangeNote:
    changes = json.loads(row.changes_json)
    return PolicyChangeNote(version=row.version, published_at=row.published_at,
                            published_by=row.published_by, note=row.change_note,
                            added=changes["added"], reworded=changes["reworded"],
                            retired=changes["retired"])


def _etag(version: int) -> str:
    return f'"policy-v{version}"'


@router.get("/policy/taxonomy", response_model=PolicyTaxonomy,
            responses={304: {"description": "not modified: the version of If-None-Match"},
                       **problems(403)})
def get_policy_taxonomy(
    user: PolicyReader, ctx: Annotated[ServiceContext, Depends(get_ctx)],
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The taxonomy in force, every rule with its guideline (retired ones marked); its ETag
    names the version, and `If-None-Match` with it answers 304."""
    with ctx.db.read() as s:
        taxonomy = current(s, ctx)
    etag = _etag(taxonomy.version)
    if if_none_match == etag:
        return Response(status_code=304, headers={"ETag": etag})
    reply = model_reply(taxonomy.out())
    reply.headers["ETag"] = etag
    return reply


@router.post("/policy/versions", response_model=PolicyTaxonomy, status_code=201,
             responses=problems(403, 409))
def publish_policy_version(
    body: PolicyVersionCreate, request: Request, user: Admin,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Response:
    """Publishes the next version on top of `base_version` (409 if that is no longer the
    version in force), with its change note (audited). Decisions accepted from now on are
    checked against it and record it."""
    try:
        with ctx.db.write() as s:
            before = current(s, ctx)
            if body.base_version != before.version:
                raise ProblemError(409, ProblemCode.CONFLICT,
                                   f"version {before.version} is in force, not "
                                   f"{body.base_version}")
            changes = _changes(before, body.rules)
            now = ctx.now()
            row = PolicyVersionRow(
                version=before.version + 1,
                rules_json=json.dumps([r.model_dump(mode="json") for r in body.rules]),
                change_note=body.change_note, changes_json=json.dumps(changes),
                published_by=user.username, published_at=now)
            s.add(row)
            s.flush()
            audit.record(s, at=now, actor=user.username, action="policy_publish",
                         subject_type="policy", subject_id=str(row.version),
                         client=client_of(request),
                         detail={"from_version": before.version, "note": body.change_note,
                                 **changes})
            published = _of_row(row)
    except IntegrityError:
        raise ProblemError(409, ProblemCode.CONFLICT,
                           "another version was published at the same time") from None
    reply = model_reply(published.out(), 201)
    reply.headers["ETag"] = _etag(published.version)
    return reply


def _notes(s: Session, user: CurrentUser | None) -> list[PolicyChangeNote]:
    q = select(PolicyVersionRow).order_by(PolicyVersionRow.version.desc())
    if user is not None:
        seen = select(PolicyNoteSeenRow.version).where(PolicyNoteSeenRow.user_id == user.id)
        q = q.where(PolicyVersionRow.version.not_in(seen))
    return [_note_of(r) for r in s.scalars(q)]


@router.get("/policy/changes", response_model=PolicyChangeNotes, responses=problems(403))
def list_policy_changes(user: PolicyReader,
                        ctx: Annotated[ServiceContext, Depends(get_ctx)]) -> PolicyChangeNotes:
    """Every change note, newest first."""
    with ctx.db.read() as s:
        return PolicyChangeNotes(notes=_notes(s, None))


@router.get("/policy/changes/unseen", response_model=PolicyChangeNotes,
            responses=problems(403))
def list_unseen_policy_changes(
    user: PolicyReader, ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> PolicyChangeNotes:
    """The change notes the caller has not marked seen, newest first."""
    with ctx.db.read() as s:
        return PolicyChangeNotes(notes=_notes(s, user))


@router.post("/policy/changes/{version}/seen", status_code=204, response_class=Response,
             responses=problems(403))
def mark_policy_change_seen(
    version: Annotated[int, Path(ge=2, le=1_000_000)], user: PolicyReader,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Response:
    """The caller has read this version's note: it is no longer among their unseen ones.
    Marking it again changes nothing; 404 for a version never published."""
    for _attempt in range(2):
        try:
            with ctx.db.write() as s:
                if s.get(PolicyVersionRow, version) is None:
                    raise ProblemError(404, ProblemCode.NOT_FOUND, "no such policy version")
                if s.get(PolicyNoteSeenRow, (user.id, version)) is None:
                    s.add(PolicyNoteSeenRow(user_id=user.id, version=version,
                                            seen_at=ctx.now()))
            break
        except IntegrityError:
            continue  # marked concurrently: seen either way
    return Response(status_code=204)
