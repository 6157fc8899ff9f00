"""Wire values round-trip through JSON unchanged, and bad values are refused at the boundary."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from reviewer_app.contract import Lease, Problem, SyncRequest, SyncResponse, TokenPair
from reviewer_app.domain import (
    Action,
    BreakEvent,
    BreakKind,
    Case,
    CaseSummary,
    Decision,
    EscalationTeam,
    ExposureEvent,
    ExposureKind,
    HarmCategory,
    MediaKind,
    MediaRef,
    Note,
    PolicyArea,
    ProblemCode,
    Reporter,
    ReporterType,
    Severity,
    Source,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def a_case() -> Case:
    return Case(
        id="case-1", source=Source.REGULATOR, policy_area=PolicyArea.REGULATORY,
        harm_category=HarmCategory.GRAPHIC_VIOLENCE, severity=Severity.SEVERE, priority=90,
        received_at=NOW, sla_due_at=NOW + timedelta(hours=4), jurisdiction="DE",
        legal_basis="NetzDG §3", reporter=Reporter(type=ReporterType.REGULATOR,
                                                  organisation="A regulator",
                                                  statement="Please review <b>this</b>."),
        subject_text="SIMULATED CONTENT",
        media=[MediaRef(id="m-1", kind=MediaKind.IMAGE, content_type="image/png", size=10,
                        sha256="0" * 64, width=1280, height=720)],
    )


def a_decision(**changes: object) -> Decision:
    values: dict[str, object] = dict(
        client_id=uuid.uuid4(), case_id="case-1", lease_id="lease-1", action=Action.REMOVE,
        policy_refs=["CS-VIO-1"], reason="gratuitous", decided_at=NOW, handle_ms=4200)
    values.update(changes)
    return Decision.model_validate(values)


def test_case_round_trips_through_json() -> None:
    case = a_case()
    assert Case.model_validate_json(case.model_dump_json()) == case


def test_sync_request_round_trips_with_every_kind_of_item() -> None:
    request = SyncRequest(
        decisions=[a_decision()],
        notes=[Note(client_id=uuid.uuid4(), case_id="case-1", body="checked", written_at=NOW)],
        exposure_events=[ExposureEvent(
            client_id=uuid.uuid4(), case_id="case-1", media_id="m-1",
            harm_category=HarmCategory.GRAPHIC_VIOLENCE, severity=Severity.SEVERE,
            kind=ExposureKind.REVEALED, duration_ms=1500, at=NOW)],
        break_events=[BreakEvent(client_id=uuid.uuid4(), kind=BreakKind.MICRO,
                                 started_at=NOW, ended_at=NOW + timedelta(seconds=60))],
    )
    assert SyncRequest.model_validate_json(request.model_dump_json()) == request


def test_lease_and_tokens_round_trip() -> None:
    summary = CaseSummary.model_validate(a_case().model_dump(include=set(
        CaseSummary.model_fields)))
    lease = Lease(lease_id="l-1", expires_at=NOW, cases=[summary])
    assert Lease.model_validate_json(lease.model_dump_json()) == lease
    pair = TokenPair(access_token="a", refresh_token="r", expires_in=900)
    assert TokenPair.model_validate_json(pair.model_dump_json()) == pair


def test_problem_carries_a_stable_code() -> None:
    problem = Problem.model_validate_json(
        '{"title":"Lease lost","status":409,"code":"lease_lost","detail":"re-leased"}')
    assert problem.code is ProblemCode.LEASE_LOST
    with pytest.raises(ValidationError):
        Problem.model_validate_json('{"title":"x","status":409,"code":"no_such_code"}')


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValidationError, match="offset"):
        a_decision(decided_at=datetime(2026, 1, 1, 12, 0))


def test_an_escalation_must_name_its_team_and_only_escalations_may() -> None:
    with pytest.raises(ValidationError, match="escalate_to"):
        a_decision(action=Action.ESCALATE)
    with pytest.raises(ValidationError, match="escalate"):
        a_decision(action=Action.KEEP, escalate_to=EscalationTeam.LEGAL)
    assert a_decision(action=Action.ESCALATE, escalate_to=EscalationTeam.LEGAL).escalate_to


def test_unknown_fields_and_bad_ids_are_refused() -> None:
    with pytest.raises(ValidationError):
        Decision.model_validate({**a_decision().model_dump(mode="json"), "extra": 1})
    with pytest.raises(ValidationError):
        a_decision(case_id="../../etc/passwd")


def test_sync_response_parses_per_item_results() -> None:
    reply = SyncResponse.model_validate_json(
        '{"results":[{"client_id":"x","status":"applied"},'
        '{"client_id":"y","status":"conflict","problem":{"title":"Lease lost","status":409,'
        '"code":"lease_lost"}}]}')
    assert [r.status.value for r in reply.results] == ["applied", "conflict"]
