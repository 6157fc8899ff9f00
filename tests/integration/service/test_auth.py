"""Auth: rotating refresh tokens with reuse detection, logout, rate limit, roles."""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter

from reviewer_app.service.accounts import add_user
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.api import Api
from tests.integration.service.conftest import ClockedService


def test_refresh_rotates_and_reuse_revokes_the_family(clocked_service: ClockedService) -> None:
    api = Api(clocked_service.url)
    assert api.login(*clocked_service.accounts.specialist).status_code == 200
    first_refresh = api.refresh_token
    rotated = api.call("POST", "/auth/refresh", json={"refresh_token": first_refresh})
    assert rotated.status_code == 200
    pair = rotated.json()
    assert pair["refresh_token"] != first_refresh
    api.token = pair["access_token"]
    assert api.call("GET", "/me").status_code == 200

    clocked_service.clock.advance(seconds=clocked_service.settings.refresh_reuse_grace_s + 1)
    stolen = api.call("POST", "/auth/refresh", json={"refresh_token": first_refresh})
    assert stolen.status_code == 401
    assert stolen.json()["code"] == "token_reused"
    assert api.call("GET", "/me").status_code == 401
    after = api.call("POST", "/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert after.status_code == 401


def test_another_login_survives_a_reuse_in_one_family(clocked_service: ClockedService) -> None:
    phone, laptop = Api(clocked_service.url), Api(clocked_service.url)
    phone.login(*clocked_service.accounts.specialist)
    laptop.login(*clocked_service.accounts.specialist)
    old = phone.refresh_token
    phone.call("POST", "/auth/refresh", json={"refresh_token": old})
    clocked_service.clock.advance(seconds=clocked_service.settings.refresh_reuse_grace_s + 1)
    reused = phone.call("POST", "/auth/refresh", json={"refresh_token": old})
    assert reused.json()["code"] == "token_reused"
    assert laptop.call("GET", "/me").status_code == 200


def test_logout_revokes_access_and_refresh(live_service: LiveService) -> None:
    api = Api(live_service.url)
    api.login(*live_service.accounts.specialist)
    out = api.call("POST", "/auth/logout", json={"refresh_token": api.refresh_token})
    assert out.status_code == 204
    assert api.call("GET", "/me").status_code == 401
    again = api.call("POST", "/auth/refresh", json={"refresh_token": api.refresh_token})
    assert again.status_code == 401


def test_failed_logins_are_rate_limited(live_service: LiveService) -> None:
    api = Api(live_service.url)
    user, password = live_service.accounts.lead
    limit = live_service.settings.login_rate_limit
    for _ in range(limit):
        assert api.login(user, "wrong password").status_code == 401
    blocked = api.login(user, password)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1
    assert blocked.json()["code"] == "rate_limited"


def test_only_the_teams_lead_or_an_admin_changes_its_policy(live_service: LiveService) -> None:
    add_user(live_service.db_url, "other-lead", "other-lead-pw", "wellness_lead", "graphic")
    team = live_service.accounts.team
    reader = Api(live_service.url)
    reader.login(*live_service.accounts.lead)
    current = reader.call("GET", f"/teams/{team}/policy")
    assert current.status_code == 200
    body = {"policy": current.json()["policy"], "reason": "tighter caps"}
    headers = {"If-Match": current.headers["ETag"]}

    specialist = Api(live_service.url)
    specialist.login(*live_service.accounts.specialist)
    denied = specialist.call("PUT", f"/teams/{team}/policy", json=body, headers=headers)
    assert denied.status_code == 403
    assert denied.json()["code"] == "forbidden"

    stranger = Api(live_service.url)
    stranger.login("other-lead", "other-lead-pw")
    assert stranger.call("PUT", f"/teams/{team}/policy", json=body,
                         headers=headers).status_code == 403
    assert stranger.call("GET", f"/teams/{team}/exposure").status_code == 403

    admin = Api(live_service.url)
    admin.login(*live_service.accounts.admin)
    assert admin.call("PUT", f"/teams/{team}/policy", json=body,
                      headers=headers).status_code == 200


def test_audit_is_for_admins_and_records_logins(live_service: LiveService) -> None:
    specialist = Api(live_service.url)
    specialist.login(*live_service.accounts.specialist)
    assert specialist.call("GET", "/audit").status_code == 403
    admin = Api(live_service.url)
    admin.login(*live_service.accounts.admin)
    page = admin.call("GET", "/audit?action=login").json()
    assert {e["actor"] for e in page["events"]} >= {"demo", "admin"}
    assert all(e["client"] for e in page["events"])
    assert "password" not in str(page)


class _FromAddress(HTTPAdapter):
    """Connects from one loopback address (all of 127.0.0.0/8 is loopback on Linux), so the
    service sees a different client address."""

    def __init__(self, address: str) -> None:
        self._source = (address, 0)
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = self._source
        super().init_poolmanager(*args, **kwargs)


def _api_from(url: str, address: str) -> Api:
    http = requests.Session()
    http.mount("http://", _FromAddress(address))
    return Api(url, http)


def test_failed_logins_elsewhere_do_not_lock_the_reviewer_out(live_service: LiveService) -> None:
    user, password = live_service.accounts.specialist
    attacker = _api_from(live_service.url, "127.0.0.2")
    limit = live_service.settings.login_rate_limit
    for _ in range(limit + 2):
        assert attacker.login(user, "wrong password").status_code in (401, 429)
    assert attacker.login(user, password).status_code == 429, "still throttled over there"

    reviewer = _api_from(live_service.url, "127.0.0.1")
    assert reviewer.login(user, password).status_code == 200
    admin = Api(live_service.url)
    admin.login(*live_service.accounts.admin)
    clients = {e["client"].split()[0]
               for e in admin.call("GET", "/audit?action=login_failed").json()["events"]}
    assert clients == {"127.0.0.2"}, "the two logins came from two addresses"


def test_one_address_guessing_many_usernames_is_throttled(live_service: LiveService) -> None:
    from reviewer_app.service.auth import ADDRESS_LIMIT_FACTOR

    guesser = _api_from(live_service.url, "127.0.0.3")
    limit = live_service.settings.login_rate_limit * ADDRESS_LIMIT_FACTOR
    for i in range(limit):
        assert guesser.login(f"nobody-{i}", "wrong password").status_code == 401
    user, password = live_service.accounts.specialist
    assert guesser.login(user, password).status_code == 429
    assert _api_from(live_service.url, "127.0.0.1").login(user, password).status_code == 200
