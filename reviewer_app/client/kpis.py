"""The client side of team KPIs: read them from the service and write them as CSV (one row
per queue, per person and the team). Blocking: call from a worker or the CLI, never from the
GUI thread."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from reviewer_app import contract
from reviewer_app.client.http import ApiClient

COLUMNS = ("scope", "key", "decisions", "active_hours", "decisions_per_hour", "handle_p50_ms",
           "handle_p90_ms", "sla_met", "sla_breached", "sla_compliance_percent", "qa_n",
           "qa_agreed", "qa_percent", "qa_kappa", "appeals_decided", "appeals_overturned",
           "appeal_overturn_percent", "exposure_avoided")


def read(api: ApiClient, team: str, since: datetime,
         until: datetime | None = None) -> contract.TeamKpis:
    query = {"since": since.isoformat()}
    if until is not None:
        query["until"] = until.isoformat()
    return api.call(contract.TeamKpis, "GET",
                    f"/v1/teams/{quote(team, safe='')}/kpis?{urlencode(query)}", what="KPIs")


def _cell(value: float | int | None) -> str:
    if value is None:
        return ""
    return f"{value:.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def row(scope: str, f: contract.KpiFigures) -> list[str]:
    """One CSV row of figures; an undefined figure (nothing to count) is an empty cell."""
    values: list[float | int | None] = [
        f.decisions, f.active_hours, f.decisions_per_hour, f.handle_p50_ms, f.handle_p90_ms,
        f.sla_met, f.sla_breached, f.sla_compliance_percent, f.qa.n, f.qa.agreed, f.qa.percent,
        f.qa.kappa, f.appeals_decided, f.appeals_overturned, f.appeal_overturn_percent,
        f.exposure_avoided]
    return [scope, f.key, *(_cell(v) for v in values)]


def to_csv(kpis: contract.TeamKpis) -> str:
    """The team row first, then its queues, then its people."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerow(row("team", kpis.overall))
    for f in kpis.by_queue:
        writer.writerow(row("queue", f))
    for f in kpis.by_person:
        writer.writerow(row("person", f))
    return out.getvalue()


class KpiClient:
    """The console's KPIs tab's view of the service: the last `days` days, from the
    service-anchored clock (never the machine's wall clock) up to the service's own now."""

    def __init__(self, api: ApiClient, now: Callable[[], datetime]) -> None:
        self._api = api
        self._now = now

    def last_days(self, team: str, days: int) -> contract.TeamKpis:
        return read(self._api, team, self._now() - timedelta(days=days))  # until: the service's now
