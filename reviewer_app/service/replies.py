"""Reply templates on the service: listed for the people who decide, replaced by an admin,
and the authority on what a decision's reply says.

A decision that names a `reply_template` is checked here (`checked_reply`) before anything is
written: the template must exist (in the version the decision names, else its current one),
be for the case's source and the decision's action, and the reply text must be exactly what
`reviewer_app.replies.render` makes of it from the service's own copy of the case. A patched
client cannot send free text under a template's name; a decision that leaves the text out
gets the service's rendering. Refusals are 422 naming the field (`reply_template`,
`reply_version`, `reply`).
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reviewer_app import replies
from reviewer_app.contract import (
    ReplyTemplate,
    ReplyTemplateList,
    ReplyTemplateName,
    ReplyTemplateUpdate,
)
from reviewer_app.domain import Action, Decision, ProblemCode, Source
from reviewer_app.service import audit, sources
from reviewer_app.service.auth import Admin, Staff
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.models import CaseRow
from reviewer_app.service.models_replies import ReplyTemplateRow
from reviewer_app.service.openapi import problems
from reviewer_app.service.problems import ProblemError

router = APIRouter()


def _invalid(field: str, sentence: str) -> ProblemError:
    return ProblemError(422, ProblemCode.VALIDATION, f"{field}: {sentence}")


def _out(row: ReplyTemplateRow) -> ReplyTemplate:
    try:
        used = replies.placeholders_in(row.body)
    except replies.ReplyError:
        used = []
    return ReplyTemplate(
        name=row.name, source=Source(row.source),
        actions=[Action(a) for a in json.loads(row.actions_json)], title=row.title,
        body=row.body, version=row.version, placeholders=used, updated_by=row.updated_by,
        updated_at=row.updated_at, reason=row.reason)


def _current(s: Session, source: Source | None = None) -> list[ReplyTemplateRow]:
    latest = (select(ReplyTemplateRow.name, func.max(ReplyTemplateRow.version).label("v"))
              .group_by(ReplyTemplateRow.name).subquery())
    query = (select(ReplyTemplateRow)
             .join(latest, (latest.c.name == ReplyTemplateRow.name)
                   & (latest.c.v == ReplyTemplateRow.version))
             .order_by(ReplyTemplateRow.source, ReplyTemplateRow.name))
    if source is not None:
        query = query.where(ReplyTemplateRow.source == source.value)
    return list(s.scalars(query))


def _version(s: Session, name: str, version: int | None) -> ReplyTemplateRow | None:
    query = select(ReplyTemplateRow).where(ReplyTemplateRow.name == name)
    if version is not None:
        query = query.where(ReplyTemplateRow.version == version)
    return s.scalars(query.order_by(ReplyTemplateRow.version.desc()).limit(1)).first()


def facts_of(row: CaseRow, d: Decision) -> replies.ReplyFacts:
    """The reply's facts from the service's own row of the case."""
    return replies.ReplyFacts(
        case_id=row.id, source=Source(row.source), received_at=row.received_at,
        jurisdiction=row.jurisdiction, organisation=row.reporter_organisation,
        reference=row.reporter_reference, context=sources.context_of(row.context_json),
        action=d.action, policy_refs=tuple(d.policy_refs), legal_ground=d.legal_ground,
        claim=d.claim, escalate_to=d.escalate_to)


def checked_reply(s: Session, d: Decision) -> tuple[str, int] | None:
    """(reply text, template version) of a decision naming a template, checked as the module
    says; None without a template. Raises the 422 before anything is written."""
    if d.reply_template is None:
        return None
    row = _version(s, d.reply_template, d.reply_version)
    if row is None:
        if d.reply_version is not None and _version(s, d.reply_template, None) is not None:
            raise _invalid("reply_version", f"template {d.reply_template} has no version "
                                            f"{d.reply_version}")
        raise _invalid("reply_template", f"no such reply template: {d.reply_template}")
    case = s.get(CaseRow, d.case_id)
    assert case is not None  # apply_decision looked it up (and locked it) first
    actions = [Action(a) for a in json.loads(row.actions_json)]
    if row.source != case.source:
        raise _invalid("reply_template", f"template {row.name} is for {row.source} cases, "
                                         f"this case is a {case.source} case")
    if d.action not in actions:
        raise _invalid("reply_template", f"template {row.name} is for "
                                         f"{', '.join(a.value for a in actions)}, not for "
                                         f"{d.action.value}")
    try:
        text = replies.render(row.body, facts_of(case, d))
    except replies.ReplyError as exc:
        raise _invalid("reply_template", f"template {row.name}: {exc}") from None
    if d.reply is not None and d.reply != text:
        raise _invalid("reply", f"the reply is not what template {row.name} version "
                                f"{row.version} says for this case and decision")
    return text, row.version


def fits(s: Session, d: Decision) -> bool:
    """Whether `checked_reply` takes this decision's reply: a group decision sends the viewed
    case's template to each other case of the group only where it applies and fills (a
    near-duplicate may have come from another source)."""
    try:
        checked_reply(s, d)
    except ProblemError:
        return False
    return True


HISTORY_MAX_CHARS = 10_000
"""domain.HistoryEntry.body's limit: a long reason and a long reply are cut to fit."""


def history_text(body: str, template: str, reply: str, version: int) -> str:
    """A decision's history entry with the reply it sent, as the case history shows it."""
    head = f"Reply sent ({template}, version {version}):\n"
    room = HISTORY_MAX_CHARS - len(head) - 2
    body = body[: max(0, room - len(reply))]
    text = f"{body}\n\n{head}{reply}" if body else f"{head}{reply}"
    return text[:HISTORY_MAX_CHARS]


@router.get("/reply-templates", response_model=ReplyTemplateList, responses=problems(403))
def get_reply_templates(
    user: Staff, ctx: Annotated[ServiceContext, Depends(get_ctx)],
    source: Annotated[Source | None, Query()] = None,
) -> ReplyTemplateList:
    """The current reply templates (of one source, with `source`), and the placeholders."""
    with ctx.db.read() as s:
        rows = _current(s, source)
    return ReplyTemplateList(templates=[_out(r) for r in rows],
                             placeholders=dict(replies.PLACEHOLDERS))


@router.put("/reply-templates/{name}", response_model=ReplyTemplate,
            responses=problems(403))
def put_reply_template(
    name: Annotated[ReplyTemplateName, Path()], body: ReplyTemplateUpdate, request: Request,
    user: Admin, ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> ReplyTemplate:
    """Creates a template or replaces it with a new version (audited, with its reason). A
    placeholder outside the allowlist is refused, 422 naming it."""
    try:
        used = replies.placeholders_in(body.body)
    except replies.ReplyError as exc:
        raise _invalid("body", str(exc)) from None
    actions = list(dict.fromkeys(body.actions))
    with ctx.db.write() as s:
        now = ctx.now()
        before = _version(s, name, None)
        row = ReplyTemplateRow(
            name=name, version=(before.version + 1) if before else 1,
            source=body.source.value, actions_json=json.dumps([a.value for a in actions]),
            title=body.title, body=body.body, updated_by=user.username, updated_at=now,
            reason=body.reason)
        s.add(row)
        s.flush()
        audit.record(s, at=now, actor=user.username, action="reply_template_changed",
                     subject_type="reply_template", subject_id=name,
                     client=client_of(request),
                     detail={"version": row.version, "source": row.source,
                             "actions": [a.value for a in actions], "placeholders": used,
                             "reason": body.reason,
                             "from_version": before.version if before else None})
        return _out(row)
