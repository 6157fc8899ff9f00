"""Emerging clusters of decisions (issue 14): `GET /v1/trends/clusters` groups the closing
decisions in force of a recent window by what their cases share (a policy citation, a
near-duplicate group, a media file's SHA-256, a reporter organisation) and judges each group
against the same key over the days before (reviewer_app.clusters, the rule in words beside
every answer). Leads and admins, like the trends; ids and counts only, never content.

The reads are bounded by time: the window (at most `MAX_WINDOW`) and its baseline span, by
the index on decisions' decided_at; the media hashes of those cases only."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer_app.clusters import Cluster, ClusterRule, clusters
from reviewer_app.contract import ClusterKind, DecisionCluster, DecisionClusters
from reviewer_app.domain import Action, AwareDatetime, ProblemCode
from reviewer_app.service.auth import LeadOrAdmin
from reviewer_app.service.context import ServiceContext, get_ctx
from reviewer_app.service.corrections import in_force
from reviewer_app.service.models import CaseRow, DecisionRow, MediaRow
from reviewer_app.service.models_pdq import CaseMatchRow
from reviewer_app.service.openapi import problems
from reviewer_app.service.problems import ProblemError

router = APIRouter()
RULE = ClusterRule()
DEFAULT_WINDOW = timedelta(hours=24)
MAX_WINDOW = timedelta(days=31)
KINDS: tuple[ClusterKind, ...] = ("policy_citation", "pdq_group", "media_hash",
                                  "reporter_organisation")
_PER_KIND = 100
_CASE_IDS = 100
_IDS_PER_STATEMENT = 500

Keys = dict[ClusterKind, dict[str, set[str]]]
"""kind -> key -> the cases decided with it."""


@router.get("/trends/clusters", response_model=DecisionClusters, responses=problems(403))
def read_clusters(
    user: LeadOrAdmin,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
    since: Annotated[AwareDatetime | None, Query()] = None,
    until: Annotated[AwareDatetime | None, Query()] = None,
) -> DecisionClusters:
    """Default window: the last 24 hours, at most 31 days; the baseline is the 7 days
    before it."""
    end = until or ctx.now()
    start = since or end - DEFAULT_WINDOW
    if start >= end or end - start > MAX_WINDOW:
        raise ProblemError(400, ProblemCode.BAD_REQUEST,
                           "since must be before until, at most 31 days apart")
    baseline_start = start - RULE.baseline_span
    with ctx.db.read() as s:
        recent, before = _keys(s, baseline_start, start, end)
    found: list[Cluster] = []
    for kind in KINDS:
        found += clusters(kind, recent[kind], before[kind], end - start, RULE)[:_PER_KIND]
    found.sort(key=lambda c: (not c.emerging, -c.count, c.kind, c.key))
    return DecisionClusters(
        since=start, until=end, baseline_since=baseline_start, method=RULE.method,
        clusters=[DecisionCluster(kind=c.kind, key=c.key, count=c.count, baseline=c.baseline,
                                  expected=round(c.expected, 3),
                                  threshold=round(c.threshold, 3), emerging=c.emerging,
                                  case_ids=list(c.case_ids[:_CASE_IDS]))
                  for c in found])


def _keys(s: Session, baseline_start: datetime, start: datetime,
          end: datetime) -> tuple[Keys, Keys]:
    """The keys of the cases decided in [start, end) and in [baseline_start, start)."""
    rows = s.execute(
        select(DecisionRow.case_id, DecisionRow.decided_at, DecisionRow.policy_refs,
               CaseRow.reporter_organisation, CaseMatchRow.near_dup_group)
        .join(CaseRow, CaseRow.id == DecisionRow.case_id)
        .outerjoin(CaseMatchRow, CaseMatchRow.case_id == DecisionRow.case_id)
        .where(DecisionRow.decided_at >= baseline_start, DecisionRow.decided_at < end,
               DecisionRow.action != Action.ESCALATE.value, in_force())
    ).all()
    recent: Keys = {kind: defaultdict(set) for kind in KINDS}
    before: Keys = {kind: defaultdict(set) for kind in KINDS}
    span_of: dict[str, Keys] = {}
    for case_id, decided_at, refs, organisation, group in rows:
        keys = recent if decided_at >= start else before
        if keys is recent or case_id not in span_of:  # the window wins for its media
            span_of[case_id] = keys
        for ref in _refs(refs):
            keys["policy_citation"][ref].add(case_id)
        if organisation:
            keys["reporter_organisation"][organisation].add(case_id)
        if group:
            keys["pdq_group"][group].add(case_id)
    for case_id, sha256 in _media_hashes(s, span_of):
        span_of[case_id]["media_hash"][sha256].add(case_id)
    return recent, before


def _refs(stored: str | None) -> Iterable[str]:
    try:
        refs = json.loads(stored or "[]")
    except ValueError:
        return ()
    return [r for r in refs if isinstance(r, str) and r] if isinstance(refs, list) else ()


def _media_hashes(s: Session, case_ids: Iterable[str]) -> list[tuple[str, str]]:
    ids = sorted(case_ids)
    out: list[tuple[str, str]] = []
    for at in range(0, len(ids), _IDS_PER_STATEMENT):
        chunk = ids[at:at + _IDS_PER_STATEMENT]
        out += [(c, h) for c, h in s.execute(
            select(MediaRow.case_id, MediaRow.sha256).where(MediaRow.case_id.in_(chunk))
            .distinct())]
    return out
