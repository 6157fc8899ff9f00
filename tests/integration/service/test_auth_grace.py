"""The refresh reuse grace window: a just-used refresh token presented again soon after its
first use (its reply was lost) gets a fresh pair in the same family; after the window, a
reuse revokes the whole family, as before. Over HTTP, on a service clock the test moves."""

from __future__ import annotations

from reviewer_app.service.settings import ServiceSettings
from tests.integration.service.api import Api
from tests.integration.service.conftest import ClockedService


def _refresh(api: Api, token: str | None) -> tuple[int, dict[str, object]]:
    reply = api.call("POST", "/auth/refresh", json={"refresh_token": token})
    return reply.status_code, reply.json()


def _audit(clocked_service: ClockedService, action: str) -> list[dict[str, object]]:
    admin = Api(clocked_service.url)
    admin.login(*clocked_service.accounts.admin)
    events: list[dict[str, object]] = admin.call("GET", f"/audit?action={action}").json()["events"]
    return events


def test_the_grace_window_is_a_setting_with_a_short_default() -> None:
    grace = ServiceSettings(db_url="sqlite://").refresh_reuse_grace_s
    assert 0 < grace <= 60


def test_a_retry_within_the_grace_window_gets_a_fresh_pair(
        clocked_service: ClockedService) -> None:
    api = Api(clocked_service.url)
    api.login(*clocked_service.accounts.specialist)
    first = api.refresh_token
    status, lost = _refresh(api, first)  # the client never hears this reply
    assert status == 200
    clocked_service.clock.advance(seconds=clocked_service.settings.refresh_reuse_grace_s - 1)

    status, retried = _refresh(api, first)
    assert status == 200, retried
    assert retried["refresh_token"] not in (first, lost["refresh_token"])
    api.token = str(retried["access_token"])
    assert api.call("GET", "/me").status_code == 200
    status, rotated = _refresh(api, str(retried["refresh_token"]))
    assert status == 200, "the retried pair rotates like any other"
    events = _audit(clocked_service, "refresh_token_retried")
    assert [e["actor"] for e in events] == [clocked_service.accounts.specialist[0]]


def test_a_reuse_after_the_grace_window_revokes_the_family(
        clocked_service: ClockedService) -> None:
    api = Api(clocked_service.url)
    api.login(*clocked_service.accounts.specialist)
    first = api.refresh_token
    _, lost = _refresh(api, first)
    status, retried = _refresh(api, first)  # within the window
    assert status == 200
    clocked_service.clock.advance(seconds=clocked_service.settings.refresh_reuse_grace_s + 1)

    status, problem = _refresh(api, first)
    assert status == 401
    assert problem["code"] == "token_reused"
    for pair in (lost, retried):  # every pair of the family is revoked, access tokens too
        assert _refresh(api, str(pair["refresh_token"]))[0] == 401
        api.token = str(pair["access_token"])
        assert api.call("GET", "/me").status_code == 401
    assert len(_audit(clocked_service, "refresh_token_reused")) == 1


def test_the_window_counts_from_the_first_use_not_the_last_retry(
        clocked_service: ClockedService) -> None:
    api = Api(clocked_service.url)
    api.login(*clocked_service.accounts.specialist)
    first = api.refresh_token
    grace = clocked_service.settings.refresh_reuse_grace_s
    assert _refresh(api, first)[0] == 200
    clocked_service.clock.advance(seconds=grace - 2)
    assert _refresh(api, first)[0] == 200
    clocked_service.clock.advance(seconds=3)
    status, problem = _refresh(api, first)
    assert (status, problem["code"]) == (401, "token_reused")
