"""The client side of replies: the service's templates, fetched with each lease and kept in the
local store (so a restart offline still offers them), and a decision's reply filled with the
renderer the service checks it with (`reviewer_app.replies`). Blocking: call from a worker,
never from the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from pydantic import ValidationError

from reviewer_app import contract, domain, replies
from reviewer_app.client.errors import ClientError, InvalidInput
from reviewer_app.client.http import ApiClient
from reviewer_app.store import safeguards as records
from reviewer_app.store.local import LocalStore

log = logging.getLogger(__name__)

RECORD = "reply_templates"
"""The local store's record of the last template list (JSON of contract.ReplyTemplateList)."""


def fetch(api: ApiClient, store: LocalStore, now: datetime) -> contract.ReplyTemplateList:
    """The service's current templates, kept locally for the next start."""
    found = api.call(contract.ReplyTemplateList, "GET", "/v1/reply-templates",
                     what="The reply templates")
    with store.write() as db:
        records.save(db, RECORD, found.model_dump_json(), now)
    return found


def refresh_quietly(api: ApiClient, store: LocalStore,
                    now: datetime) -> contract.ReplyTemplateList | None:
    """`fetch`, or None when the service cannot say now (the kept list stays)."""
    try:
        return fetch(api, store, now)
    except ClientError as exc:
        log.info("reply templates not refreshed: %s", type(exc).__name__)
        return None


def load(store: LocalStore) -> contract.ReplyTemplateList | None:
    with store.read() as db:
        kept = records.load(db, RECORD)
    if kept is None:
        return None
    try:
        return contract.ReplyTemplateList.model_validate_json(kept[0])
    except ValidationError:
        return None  # an older or damaged record: the next lease replaces it


def for_case(templates: Sequence[contract.ReplyTemplate], source: domain.Source,
             action: domain.Action | None = None) -> list[contract.ReplyTemplate]:
    """The templates of a case's source (and for `action`, when given), first one first."""
    return [t for t in templates if t.source is source
            and (action is None or action in t.actions)]


def fill(templates: Sequence[contract.ReplyTemplate], name: str, case: domain.Case,
         action: domain.Action, *, policy_refs: Sequence[str] = (),
         legal_ground: domain.LegalGround | None = None,
         claim: domain.ClaimResolution | None = None,
         escalate_to: domain.EscalationTeam | None = None) -> tuple[str, int]:
    """(reply text, template version) of template `name` for this decision on `case`, or
    InvalidInput naming what is wrong (an unknown template, one of another source or action,
    a placeholder the case has no value for)."""
    template = next((t for t in templates if t.name == name), None)
    if template is None:
        raise InvalidInput(f"reply_template: no reply template {name} (refresh with a lease)")
    if not replies.applies(template.source, template.actions, case.source, action):
        raise InvalidInput(f"reply_template: {template.title!r} is not a reply to "
                           f"{action.value} on a {case.source.value} case")
    facts = replies.ReplyFacts.for_case(case, action, policy_refs=policy_refs,
                                        legal_ground=legal_ground, claim=claim,
                                        escalate_to=escalate_to)
    try:
        return replies.render(template.body, facts), template.version
    except replies.ReplyError as exc:
        raise InvalidInput(f"reply ({template.title}): {exc}") from None
