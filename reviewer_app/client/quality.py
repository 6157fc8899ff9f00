"""The lead's quality calls: a team's second-review share, its agreement figures, its
disagreements, and resolving one with a note. Qt-free and blocking, like lead.py (the console
runs each on its serial worker); refusals come back as lead.py's NotPermitted."""

from __future__ import annotations

from reviewer_app import contract
from reviewer_app.client.http import ApiClient, segment
from reviewer_app.client.lead import _refusal
from reviewer_app.client.problems import Refused


class QualityClient:
    """The Quality tab's view of the service, over an authenticated `ApiClient`."""

    def __init__(self, api: ApiClient) -> None:
        self._api = api

    @staticmethod
    def _path(team: str, rest: str) -> str:
        return f"/v1/teams/{segment(team)}/quality/{rest}"

    def config(self, team: str) -> contract.QaConfig:
        try:
            return self._api.call(contract.QaConfig, "GET", self._path(team, "config"),
                                  what=f"The quality settings of team {team}")
        except Refused as exc:
            raise _refusal(exc) from None

    def set_share(self, team: str, percent: int, reason: str) -> contract.QaConfig:
        body = contract.QaConfigUpdate(share_percent=percent, reason=reason)
        try:
            return self._api.call(contract.QaConfig, "PUT", self._path(team, "config"),
                                  json_body=body.model_dump(mode="json"),
                                  what=f"The quality settings of team {team}")
        except Refused as exc:
            raise _refusal(exc) from None

    def agreement(self, team: str) -> contract.QaAgreement:
        try:
            return self._api.call(contract.QaAgreement, "GET", self._path(team, "agreement"),
                                  what=f"The agreement figures of team {team}")
        except Refused as exc:
            raise _refusal(exc) from None

    def disagreements(self, team: str) -> contract.QaDisagreementList:
        try:
            return self._api.call(contract.QaDisagreementList, "GET",
                                  self._path(team, "disagreements"),
                                  what=f"The disagreements of team {team}")
        except Refused as exc:
            raise _refusal(exc) from None

    def resolve(self, team: str, review_id: int, note: str) -> contract.QaDisagreement:
        body = contract.QaResolution(note=note)
        try:
            return self._api.call(contract.QaDisagreement, "POST",
                                  self._path(team, f"disagreements/{review_id}/resolution"),
                                  json_body=body.model_dump(mode="json"),
                                  what=f"Disagreement {review_id}")
        except Refused as exc:
            raise _refusal(exc) from None
