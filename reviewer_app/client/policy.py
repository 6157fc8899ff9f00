"""The client side of policy versions and appeals: the taxonomy in force (kept in memory
once fetched, so the decision bar cites what the service accepts), the change notes (unseen
ones shown once at sign-in, then marked seen) and a case's appeal (its uphold or overturn
goes through the outbox: `ReviewSession.decide_appeal`).

Blocking, through the session's ApiClient: call from a worker, never from the GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from reviewer_app import contract, domain
from reviewer_app.client.errors import NotFound
from reviewer_app.client.http import ApiClient, segment


class TaxonomyCache:
    """The service's taxonomy, fetched off the GUI thread and kept; until the first fetch,
    the built-in one (`domain.POLICY_TAXONOMY`, version 1)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._taxonomy: contract.PolicyTaxonomy | None = None

    def fetch(self, api: ApiClient) -> contract.PolicyTaxonomy:
        taxonomy = api.call(contract.PolicyTaxonomy, "GET", "/v1/policy/taxonomy",
                            what="The policy taxonomy")
        with self._lock:
            self._taxonomy = taxonomy
        return taxonomy

    @property
    def fetched(self) -> contract.PolicyTaxonomy | None:
        with self._lock:
            return self._taxonomy

    def citable(self) -> list[domain.PolicyRef]:
        """The rules a decision may cite now (retired ones left out)."""
        taxonomy = self.fetched
        if taxonomy is None:
            return list(domain.POLICY_TAXONOMY)
        return [domain.PolicyRef(code=r.code, area=r.area, title=r.title)
                for r in taxonomy.rules if not r.retired]


def unseen_changes(api: ApiClient) -> list[contract.PolicyChangeNote]:
    return api.call(contract.PolicyChangeNotes, "GET", "/v1/policy/changes/unseen",
                    what="The policy change notes").notes


def all_changes(api: ApiClient) -> list[contract.PolicyChangeNote]:
    return api.call(contract.PolicyChangeNotes, "GET", "/v1/policy/changes",
                    what="The policy change notes").notes


def mark_seen(api: ApiClient, versions: Sequence[int]) -> None:
    for version in versions:
        api.request("POST", f"/v1/policy/changes/{int(version)}/seen",
                    what="The policy change note").close()


def read_appeal(api: ApiClient, case_id: str) -> contract.Appeal | None:
    """The case's appeal, or None for a case never appealed."""
    try:
        return api.call(contract.Appeal, "GET", f"/v1/cases/{segment(case_id)}/appeal",
                        what=f"The appeal of case {case_id}")
    except NotFound:
        return None
