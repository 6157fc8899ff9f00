"""The client core against the real service on loopback, with the real OS keyring:
login, lease, case, media, decide, sync; idempotent resend; refresh; conflicts."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import text, update

from reviewer_app import domain
from reviewer_app.client.credentials import RefreshTokenVault
from reviewer_app.client.errors import (
    AlreadyDecided,
    AuthFailed,
    InvalidInput,
    LoginRequired,
    UnsafeMedia,
)
from reviewer_app.client.session import ReviewSession
from reviewer_app.config import ClientConfig
from reviewer_app.store.schema import OutboxItem

pytestmark = pytest.mark.keyring


def _decisions_on_service(session: ReviewSession, case_id: str) -> int:
    """How many decisions the service's own history shows for the case (asked afresh)."""
    case = session._api.call(domain.Case, "GET", f"/v1/cases/{case_id}")
    return sum(1 for h in case.history if h.kind == "decision" and h.actor != "reviewer-7")


def test_login_lease_decide_sync(review_session: ReviewSession, live_service: Any) -> None:
    me = review_session.me
    assert me is not None
    assert me.role is domain.Role.SPECIALIST
    leased = review_session.lease(3)
    assert len(leased) == 3
    assert [c.id for c in review_session.leased_cases()] == [c.id for c in leased]
    case = review_session.case(leased[0].id)
    assert case.id == leased[0].id
    for ref in case.media:
        data = review_session.media(ref)
        assert hashlib.sha256(data).hexdigest() == ref.sha256
    decision = review_session.decide(case.id, domain.Action.REMOVE, policy_refs=["CS-VIO-1"],
                                     reason="gratuitous", handle_ms=1234)
    assert review_session.outbox_counts().pending == 1
    assert case.id not in [c.id for c in review_session.leased_cases()]
    report = review_session.sync()
    assert (report.sent, report.applied, report.remaining, report.online) == (1, 1, 0, True)
    assert review_session.outbox_counts().synced == 1
    assert _decisions_on_service(review_session, decision.case_id) == 1


def test_the_same_decision_sent_twice_is_applied_once(review_session: ReviewSession) -> None:
    case_id = review_session.lease(1)[0].id
    review_session.decide(case_id, domain.Action.KEEP)
    assert review_session.sync().applied == 1
    with review_session.store.write() as db:  # as if the first reply had been lost
        db.execute(update(OutboxItem).values(state="pending"))
    again = review_session.sync()
    assert (again.sent, again.duplicate, again.applied) == (1, 1, 0)
    assert _decisions_on_service(review_session, case_id) == 1


def test_one_request_per_item_mode_is_idempotent_too(review_session: ReviewSession) -> None:
    case_id = review_session.lease(1)[0].id
    review_session.add_note(case_id, "Checked the reporter's link.")
    review_session.decide(case_id, domain.Action.LABEL)
    review_session._drainer.per_item = True
    assert review_session.sync().applied == 2
    with review_session.store.write() as db:
        db.execute(update(OutboxItem).values(state="pending"))
    report = review_session.sync()
    assert report.applied + report.duplicate == 2
    assert report.conflicts == report.invalid == 0
    assert _decisions_on_service(review_session, case_id) == 1


def test_local_rules_refuse_double_and_invalid_decisions(review_session: ReviewSession) -> None:
    case_id = review_session.lease(1)[0].id
    with pytest.raises(InvalidInput, match="escalate"):
        review_session.decide(case_id, domain.Action.ESCALATE)
    review_session.decide(case_id, domain.Action.ESCALATE,
                          escalate_to=domain.EscalationTeam.LEGAL)
    with pytest.raises(AlreadyDecided):
        review_session.decide(case_id, domain.Action.KEEP)
    assert review_session.outbox_counts().pending == 1


def test_conflict_is_surfaced_with_case_and_reason(live_service: Any,
                                                   make_client_config: Any) -> None:
    first = ReviewSession(make_client_config(live_service.url))
    second = ReviewSession(make_client_config(live_service.url,
                                              keyring_service=f"other-{id(first)}"))
    try:
        first.login(*live_service.accounts.specialist)
        second.login(*live_service.accounts.specialist)
        case_id = first.lease(1)[0].id
        first.release_all()  # back to the queue: the other client leases and decides it
        assert second.lease(1)[0].id == case_id
        second.decide(case_id, domain.Action.KEEP)
        assert second.sync().applied == 1
        first.decide(case_id, domain.Action.REMOVE)
        report = first.sync()
        assert report.conflicts == 1
        [conflict] = first.conflicts()
        assert conflict.case_id == case_id
        assert conflict.kind == "decision"
        assert conflict.reason
        assert first.outbox_counts().conflicts == 1
    finally:
        second.logout()
        first.close()
        second.close()


def test_wrong_password_is_auth_failed(client_config: ClientConfig, live_service: Any) -> None:
    session = ReviewSession(client_config)
    try:
        with pytest.raises(AuthFailed):
            session.login(live_service.accounts.specialist[0], "not-the-password")
        assert session.resume() is None
    finally:
        session.close()


def test_resume_from_the_keyring_and_logout_forgets(client_config: ClientConfig,
                                                    live_service: Any) -> None:
    vault = RefreshTokenVault(client_config.keyring_service, client_config.server_url)
    session = ReviewSession(client_config)
    session.login(*live_service.accounts.specialist)
    first_token = vault.load()
    assert first_token
    session.close()
    again = ReviewSession(client_config)
    try:
        me = again.resume()
        assert me is not None
        assert me.username == live_service.accounts.specialist[0]
        current = vault.load()
        assert current not in (None, first_token)  # rotated on use
        again.logout()
        assert vault.load() is None
        assert again.resume() is None
        import requests

        revoked = requests.post(f"{client_config.server_url}/v1/auth/refresh",
                                json={"refresh_token": current}, timeout=10)
        assert revoked.status_code == 401  # revoked on the service, not only forgotten here
    finally:
        again.close()


def test_refresh_on_401_is_transparent(review_session: ReviewSession) -> None:
    review_session._api._access = "not-a-valid-access-token"
    assert review_session.lease(1)
    assert review_session._api._access != "not-a-valid-access-token"


def test_refused_refresh_asks_for_login_and_keeps_the_outbox(client_config: ClientConfig,
                                                             live_service: Any) -> None:
    asked: list[bool] = []
    session = ReviewSession(client_config, on_login_required=lambda: asked.append(True))
    try:
        session.login(*live_service.accounts.specialist)
        case_id = session.lease(1)[0].id
        session.decide(case_id, domain.Action.KEEP)
        RefreshTokenVault(client_config.keyring_service, client_config.server_url).save(
            "a-revoked-or-stolen-refresh-token")
        session._api._access = None
        with pytest.raises(LoginRequired):
            session.sync()
        assert asked == [True]
        assert session.outbox_counts().pending == 1
        session.login(*live_service.accounts.specialist)
        assert session.sync().applied == 1
    finally:
        session.close()


def test_media_with_a_wrong_digest_or_too_big_is_refused(review_session: ReviewSession,
                                                         live_service: Any,
                                                         make_client_config: Any) -> None:
    case = review_session.case(review_session.lease(1)[0].id)
    ref = case.media[0]
    forged = ref.model_copy(update={"sha256": "0" * 64})
    with pytest.raises(UnsafeMedia, match="digest"):
        review_session.media(forged)
    small = ReviewSession(make_client_config(live_service.url, media_max_bytes=ref.size - 1,
                                             keyring_service=review_session.config.keyring_service))
    try:
        small.resume()
        with pytest.raises(UnsafeMedia, match="limit"):
            small.media(ref)
    finally:
        small.close()


def test_prefetch_stays_within_the_memory_budget(live_service: Any,
                                                 make_client_config: Any) -> None:
    probe = ReviewSession(make_client_config(live_service.url))
    probe.login(*live_service.accounts.specialist)
    ids = [c.id for c in probe.lease(4)]
    sizes = [sum(m.size for m in probe.case(i).media) for i in ids]
    probe.close()
    budget = sizes[0] + sizes[1]
    session = ReviewSession(make_client_config(live_service.url, prefetch_budget_bytes=budget))
    try:
        session.login(*live_service.accounts.specialist)
        session.store.engine.dispose()
        session.prefetch(ids)
        assert 0 < session._media.used_bytes <= budget
    finally:
        session.close()


def test_server_policy_and_exposure(review_session: ReviewSession, live_service: Any) -> None:
    import requests

    paths = requests.get(f"{live_service.url}/openapi.json", timeout=10).json()["paths"]
    if "/v1/me/exposure" not in paths:
        pytest.skip("the service does not serve /v1/me/exposure yet")
    reading = review_session.read_safeguards()
    assert isinstance(reading.policy, dict)
    assert reading.policy_etag
    assert reading.status.break_state.state
    again = review_session.read_safeguards()
    assert again.policy is None  # unchanged: the service answered 304 to If-None-Match
    assert again.policy_etag == reading.policy_etag
    assert review_session.local_safeguards().policy == reading.policy


def test_store_stays_consistent(review_session: ReviewSession) -> None:
    review_session.decide(review_session.lease(1)[0].id, domain.Action.KEEP)
    with review_session.store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_access_token_is_refreshed_before_it_expires(client_config: ClientConfig,
                                                     live_service: Any) -> None:
    from datetime import UTC, datetime

    from reviewer_app.client.clock import ManualClock

    clock = ManualClock(start=datetime.now(UTC))
    vault = RefreshTokenVault(client_config.keyring_service, client_config.server_url)
    session = ReviewSession(client_config, clock=clock)
    try:
        session.login(*live_service.accounts.specialist)
        first_access, first_refresh = session._api._access, vault.load()
        session.lease(1)
        assert session._api._access == first_access  # fresh: no refresh
        clock.advance(live_service.settings.access_token_ttl_s - 30)  # inside the margin
        session.lease(1)
        assert session._api._access != first_access
        assert vault.load() not in (None, first_refresh)
    finally:
        session.close()


def test_service_time_follows_the_service_not_the_wall_clock(client_config: ClientConfig,
                                                             live_service: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from reviewer_app.client.clock import ManualClock

    clock = ManualClock(start=datetime(2001, 1, 1, tzinfo=UTC))  # a badly wrong local clock
    session = ReviewSession(client_config, clock=clock)
    try:
        assert session.service_time() is None
        session.login(*live_service.accounts.specialist)
        seen = session.service_time()
        assert seen is not None
        assert abs(seen - datetime.now(UTC)) < timedelta(minutes=5)
        clock.jump_wall(-86_400)  # moving the wall clock changes nothing
        clock.advance_monotonic(60)
        later = session.service_time()
        assert later is not None
        assert later - seen == timedelta(seconds=60)
    finally:
        session.close()
