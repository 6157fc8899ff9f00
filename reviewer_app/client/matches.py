"""The client side of near-duplicate matching: a case's matches, group decisions and the
exposure avoided, read and sent through the session's ApiClient (blocking: call from a
worker, never from the GUI thread). Which decision a match offers, and the reason that
cites it, are worked out here so the desktop and the CLI say the same."""

from __future__ import annotations

from dataclasses import dataclass

from reviewer_app import contract, domain
from reviewer_app.client.http import ApiClient, segment
from reviewer_app.contract import IDEMPOTENCY_HEADER


@dataclass(frozen=True)
class Offer:
    """A decision that a match lets the reviewer apply without revealing."""

    action: domain.Action
    policy_refs: tuple[str, ...]
    reason: str


def read_matches(api: ApiClient, case_id: str) -> contract.CaseMatches:
    return api.call(contract.CaseMatches, "GET", f"/v1/cases/{segment(case_id)}/matches",
                    what=f"Matches of case {case_id}")


def earlier_decided(matches: contract.CaseMatches) -> contract.NearDuplicate | None:
    """The nearest decided near-duplicate (the service lists decided ones first)."""
    return next((m for m in matches.near_duplicates if m.decision is not None), None)


def offer_of(matches: contract.CaseMatches) -> Offer | None:
    """The earlier decision to apply, with a reason citing the match; None without one."""
    earlier = earlier_decided(matches)
    if earlier is None or earlier.decision is None:
        return None
    d = earlier.decision
    reason = (f"Applied without revealing: matches case {earlier.case_id}, decided "
              f"{d.action.value} under {', '.join(d.policy_refs) or 'no citation'} on "
              f"{d.decided_at:%Y-%m-%d} (PDQ distance {earlier.distance})")
    return Offer(action=d.action, policy_refs=tuple(d.policy_refs), reason=reason)


def undecided_in_group(matches: contract.CaseMatches) -> list[str]:
    return [m.case_id for m in matches.near_duplicates if m.status != "decided"]


def decide_group(api: ApiClient, decision: domain.Decision) -> contract.GroupDecisionResult:
    """Sends the group decision (its Idempotency-Key is the viewed decision's client_id, so
    a retry decides nothing twice)."""
    body = contract.GroupDecisionCreate(decision=decision).model_dump(mode="json")
    return api.call(contract.GroupDecisionResult, "POST",
                    f"/v1/cases/{segment(decision.case_id)}/group-decisions", json_body=body,
                    headers={IDEMPOTENCY_HEADER: str(decision.client_id)},
                    what=f"Group of case {decision.case_id}")


def my_avoided(api: ApiClient) -> contract.ExposureAvoided:
    return api.call(contract.ExposureAvoided, "GET", "/v1/me/exposure-avoided")


def team_avoided(api: ApiClient, team: str) -> contract.TeamExposureAvoided:
    return api.call(contract.TeamExposureAvoided, "GET",
                    f"/v1/teams/{segment(team)}/exposure-avoided")
