"""The demo's matching cases against the real service: the re-post shows the colleague's
decision, the three copies are one group, the bank's copy is flagged and leads the queue."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from reviewer_app.service.seed import seed_demo
from reviewer_app.service.seed_matches import COLLEAGUE, DEMO_BANK, add_match_cases
from reviewer_app.service.server import start_in_thread
from reviewer_app.service.settings import ServiceSettings
from tests.helpers.service_fixtures import FAST_HASHING
from tests.integration.service.api import Api


def test_the_demo_seeds_a_decided_match_a_group_and_a_bank_match(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'demo.db'}"
    accounts = seed_demo(db_url, cases=2)
    seeded = add_match_cases(db_url, datetime.now(UTC), team=accounts.team,
                             password=accounts.member_password)
    with start_in_thread(ServiceSettings(db_url=db_url, **FAST_HASHING)) as running:
        api = Api(running.url)
        assert api.login(*accounts.specialist).status_code == 200
        leased = [c["id"] for c in api.lease(20).json()["cases"]]
        assert leased[0] == seeded.flagged  # a bank match leads the queue
        assert seeded.earlier not in leased  # decided already
        assert set(leased) >= {seeded.later, *seeded.group}

        flagged = api.call("GET", f"/cases/{seeded.flagged}/matches").json()
        assert flagged["bank_match"] == DEMO_BANK
        later = api.call("GET", f"/cases/{seeded.later}/matches").json()
        earlier = [m for m in later["near_duplicates"] if m["case_id"] == seeded.earlier]
        assert len(earlier) == 1
        assert earlier[0]["decision"]["action"] == "remove"
        assert earlier[0]["decision"]["policy_refs"] == ["CS-VIO-1"]
        group = api.call("GET", f"/cases/{seeded.group[0]}/matches").json()
        assert {m["case_id"] for m in group["near_duplicates"]} == set(seeded.group[1:])
        assert all(m["decision"] is None for m in group["near_duplicates"])
        # the three groups are apart: the re-post is not in the group of three
        assert seeded.later not in {m["case_id"] for m in group["near_duplicates"]}
    assert COLLEAGUE not in accounts.members
