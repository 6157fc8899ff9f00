"""The client side of statements of reasons: read a period's statements from the service,
page by page, each checked again on arrival against the Transparency Database's rules
(`contract.SorItem.statement` is a `reviewer_app.sor.Statement`). Blocking: call from a
worker or the CLI, never from the GUI thread."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlencode

from reviewer_app import contract
from reviewer_app.client.http import ApiClient


def read_pages(api: ApiClient, since: datetime, until: datetime | None = None, *,
               limit: int = 100) -> Iterator[contract.SorPage]:
    """Every page of the statements of reasons of [since, until), oldest decision first."""
    after_id = 0
    while True:
        query = {"since": since.isoformat(), "after_id": after_id, "limit": limit}
        if until is not None:
            query["until"] = until.isoformat()
        page = api.call(contract.SorPage, "GET", f"/v1/statements-of-reasons?{urlencode(query)}",
                        what="Statements of reasons")
        yield page
        if not page.more or page.next_after_id == after_id:
            return
        after_id = page.next_after_id
