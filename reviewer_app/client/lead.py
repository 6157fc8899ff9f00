"""The wellness lead's calls: a team's policy (read with its ETag, saved with If-Match and a
reason), the team dashboard, and one-off overrides for one person.

Qt-free and blocking, like the rest of the client core: the console runs every call on its
serial worker. It uses the session's authenticated client (tokens from the keyring, refreshed
as for a specialist) and parses every reply through the contract models. The service decides
who may do what; a refusal comes back as `NotPermitted`, a policy saved by someone else
meanwhile as `PolicyConflict` carrying the policy now in force.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from pydantic import TypeAdapter, ValidationError

from reviewer_app import contract
from reviewer_app.client.errors import ClientError, MalformedReply
from reviewer_app.client.http import ApiClient, parse, read_json, segment
from reviewer_app.client.problems import Refused
from reviewer_app.domain import ProblemCode

_OVERRIDES = TypeAdapter(list[contract.MemberOverride])


@dataclass(frozen=True)
class PolicyInForce:
    """A team's policy as the service holds it, and the ETag a save must send back."""

    team_policy: contract.TeamPolicy
    etag: str

    @property
    def policy(self) -> dict[str, Any]:
        return self.team_policy.policy

    @property
    def version(self) -> int:
        return self.team_policy.version


class NotPermitted(ClientError):
    """The service refused: this account may not do this for this team (403)."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"Not allowed: {detail or 'your account may not do this'}. Ask an "
                         "admin if you should have this right.")
        self.detail = detail


class PolicyRejected(ClientError):
    """The service would not take the policy as sent (422): nothing was saved."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"Not saved: the service found a problem in the policy ({detail}).")
        self.detail = detail


class PolicyConflict(ClientError):
    """Someone saved the team's policy after it was read here (412); `current` is theirs."""

    def __init__(self, current: PolicyInForce) -> None:
        saved = current.team_policy
        who = saved.updated_by or "someone"
        when = f" at {saved.updated_at:%H:%M} UTC" if saved.updated_at else ""
        super().__init__(f"{who} saved version {saved.version}{when} while you were editing. "
                         "Nothing of yours was saved; merge your changes into theirs and save "
                         "again.")
        self.current = current


def _refusal(exc: Refused) -> ClientError:
    if exc.status == 403 or exc.code == ProblemCode.FORBIDDEN.value:
        return NotPermitted(exc.detail)
    if exc.status == 422 or exc.code == ProblemCode.VALIDATION.value:
        return PolicyRejected(exc.detail)
    return exc


class LeadClient:
    """The lead console's view of the service, over an authenticated `ApiClient`."""

    def __init__(self, api: ApiClient) -> None:
        self._api = api

    @staticmethod
    def _team(team: str) -> str:
        return f"/v1/teams/{segment(team)}"

    def policy(self, team: str) -> PolicyInForce:
        """The team's policy in force and its ETag."""
        try:
            response = self._api.request("GET", f"{self._team(team)}/policy",
                                         what=f"The policy of team {team}")
        except Refused as exc:
            raise _refusal(exc) from None
        try:
            etag = response.headers.get("ETag", "")
            body = parse(contract.TeamPolicy, read_json(response))
        finally:
            response.close()
        if not etag:
            raise MalformedReply("a team policy without an ETag")
        return PolicyInForce(team_policy=body, etag=etag)

    def save_policy(self, team: str, policy: dict[str, Any], *, etag: str,
                    reason: str) -> PolicyInForce:
        """Replace the team's policy if it is still the one with `etag`; the reason is
        audited. Raises PolicyConflict (with theirs) when someone saved first."""
        try:
            body = contract.PolicyUpdate(policy=policy, reason=reason.strip())
        except ValidationError:
            raise PolicyRejected("a reason is required (what changed and why)") from None
        try:
            response = self._api.request("PUT", f"{self._team(team)}/policy",
                                         json_body=body.model_dump(mode="json"),
                                         headers={"If-Match": etag},
                                         what=f"The policy of team {team}")
        except Refused as exc:
            if exc.status == 412 or exc.code == ProblemCode.PRECONDITION_FAILED.value:
                raise PolicyConflict(self.policy(team)) from None
            raise _refusal(exc) from None
        try:
            new_etag = response.headers.get("ETag", "")
            saved = parse(contract.TeamPolicy, read_json(response))
        finally:
            response.close()
        return PolicyInForce(team_policy=saved, etag=new_etag)

    def dashboard(self, team: str) -> contract.TeamDashboard:
        """The team's figures from the service's own counters (people near a cap first)."""
        try:
            return self._api.call(contract.TeamDashboard, "GET", f"{self._team(team)}/dashboard",
                                  what=f"The dashboard of team {team}")
        except Refused as exc:
            raise _refusal(exc) from None

    def overrides(self, team: str) -> list[contract.MemberOverride]:
        """The team's overrides in force (each expires by itself)."""
        try:
            response = self._api.request("GET", f"{self._team(team)}/overrides",
                                         what=f"The overrides of team {team}")
        except Refused as exc:
            raise _refusal(exc) from None
        try:
            raw = read_json(response)
        finally:
            response.close()
        try:
            return _OVERRIDES.validate_json(raw)
        except ValidationError as exc:
            raise MalformedReply(f"the overrides did not match the contract "
                                 f"({exc.error_count()} errors)") from None

    def grant(self, team: str, username: str,
              request: contract.MemberOverrideRequest) -> contract.MemberOverride:
        """A one-off change for one person, with its reason (audited)."""
        path = f"{self._team(team)}/members/{segment(username)}/overrides"
        try:
            return self._api.call(contract.MemberOverride, "POST", path,
                                  json_body=request.model_dump(mode="json", exclude_none=True),
                                  headers={contract.IDEMPOTENCY_HEADER: str(uuid.uuid4())},
                                  what=f"Team member {username}")
        except Refused as exc:
            raise _refusal(exc) from None

    def revoke(self, team: str, override_id: int) -> None:
        """End an override before it expires (audited by the service)."""
        try:
            self._api.request("DELETE", f"{self._team(team)}/overrides/{override_id}",
                              what=f"Override {override_id}").close()
        except Refused as exc:
            raise _refusal(exc) from None

    def trends(self, dimension: str = "queue") -> contract.TrendSeries:
        """Cases received per hour for one dimension over the last week, with the hours that
        spike against their seasonal baseline (counts only: no content, no people)."""
        try:
            return self._api.call(contract.TrendSeries, "GET",
                                  f"/v1/trends?dimension={segment(dimension)}&bucket=hour",
                                  what=f"The trends by {dimension}")
        except Refused as exc:
            raise _refusal(exc) from None

    def trend_cases(self, dimension: str, key: str, hour: datetime) -> contract.TrendCases:
        """The ids (and count) of the cases behind one point of a trend: no content."""
        query = urlencode({"dimension": dimension, "key": key, "hour": hour.isoformat()})
        try:
            return self._api.call(contract.TrendCases, "GET", f"/v1/trends/cases?{query}",
                                  what=f"The cases of {key} at {hour:%H:00}")
        except Refused as exc:
            raise _refusal(exc) from None

    def clusters(self) -> contract.DecisionClusters:
        """The last 24 hours' decisions grouped by what their cases share, each group judged
        against the week before (ids and counts only)."""
        try:
            return self._api.call(contract.DecisionClusters, "GET", "/v1/trends/clusters",
                                  what="The decision clusters")
        except Refused as exc:
            raise _refusal(exc) from None
