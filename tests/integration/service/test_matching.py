"""Near-duplicate matching against the real service over HTTP: hash banks (admin only),
bank matches flagged at ingest and when a bank grows, and near-duplicate cases grouped with
the earlier decision shown on the later case."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta

from PIL import Image

from reviewer_app.domain import (
    HarmCategory,
    PolicyArea,
    ReporterType,
    Severity,
    Source,
    UserReportContext,
)
from reviewer_app.service import pdq
from reviewer_app.service.imagegen import synthetic_image
from reviewer_app.service.ingest import NewCase, NewMedia
from reviewer_app.service.mediagen import synthetic_video
from reviewer_app.service.seed import add_case
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.api import Api


def _altered(data: bytes, *, crop: bool = True) -> bytes:
    """Resized to 60%, cut by 5% on each side (`crop`), saved as JPEG quality 70."""
    img = Image.open(io.BytesIO(data)).convert("RGB")
    img = img.resize((img.width * 6 // 10, img.height * 6 // 10), Image.Resampling.BICUBIC)
    if crop:
        dx, dy = img.width * 5 // 100, img.height * 5 // 100
        img = img.crop((dx, dy, img.width - dx, img.height - dy))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=70)
    return out.getvalue()


def _case(picture: bytes, content_type: str, priority: int) -> NewCase:
    now = datetime.now(UTC)
    return NewCase(source=Source.USER_REPORT, policy_area=PolicyArea.COMMUNITY_STANDARDS,
                   harm_category=HarmCategory.GRAPHIC_VIOLENCE, severity=Severity.LOW,
                   priority=priority, received_at=now, sla_due_at=now + timedelta(hours=4),
                   reporter_type=ReporterType.USER, reporter_statement="SIMULATED CONTENT",
                   context=UserReportContext(reporter="user-4711 (simulated)",
                                             reason="graphic violence"),
                   media=[NewMedia(picture, content_type)])


def _signed_in(service: LiveService, who: tuple[str, str]) -> Api:
    api = Api(service.url)
    assert api.login(*who).status_code == 200
    return api


def _random_hex(rng: random.Random) -> str:
    return pdq.to_hex(rng.getrandbits(256))


def test_only_an_admin_loads_banks_and_a_matching_case_is_flagged(
    live_service: LiveService,
) -> None:
    admin = _signed_in(live_service, live_service.accounts.admin)
    specialist = _signed_in(live_service, live_service.accounts.specialist)
    lead = _signed_in(live_service, live_service.accounts.lead)
    rng = random.Random(5)

    for who in (specialist, lead):
        assert who.call("POST", "/hash-banks", json={"name": "x"}).status_code == 403
        # authorization before validation: a bad body is still a 403
        assert who.call("POST", "/hash-banks/known/entries",
                        json={"hashes": ["nope"]}).status_code == 403
        assert who.call("GET", "/hash-banks").status_code == 403

    created = admin.call("POST", "/hash-banks",
                         json={"name": "known-bad", "description": "test bank (simulated)"})
    assert created.status_code == 201, created.text
    assert created.json()["entries"] == 0
    again = admin.call("POST", "/hash-banks",
                       json={"name": "known-bad", "description": "test bank (simulated)"})
    assert again.status_code == 200
    clash = admin.call("POST", "/hash-banks", json={"name": "known-bad", "description": "x"})
    assert clash.status_code == 409
    assert clash.headers["content-type"].startswith("application/problem+json")
    bad = admin.call("POST", "/hash-banks/known-bad/entries", json={"hashes": ["zz"]})
    assert bad.status_code == 422
    missing = admin.call("POST", "/hash-banks/none/entries",
                         json={"hashes": [_random_hex(rng)]})
    assert missing.status_code == 404

    original = synthetic_image(4242, width=1280, height=720, fmt="PNG")
    listed = [pdq.hash_image(original)[0].hex, _random_hex(rng), _random_hex(rng)]
    loaded = admin.call("POST", "/hash-banks/known-bad/entries", json={"hashes": listed})
    assert loaded.status_code == 200, loaded.text
    assert (loaded.json()["added"], loaded.json()["already_present"]) == (3, 0)
    reloaded = admin.call("POST", "/hash-banks/known-bad/entries",
                          json={"hashes": [h.upper() for h in listed]})
    assert (reloaded.json()["added"], reloaded.json()["already_present"]) == (0, 3)
    banks = admin.call("GET", "/hash-banks").json()["banks"]
    assert [(b["name"], b["entries"]) for b in banks] == [("known-bad", 3)]

    # A bank lists one hash per picture, of the whole picture: a resized re-encoding matches
    # it (a cropped copy need not: PDQ follows crops only through the case-side crop ladder)
    copy = _altered(original, crop=False)
    flagged = add_case(live_service.db_url, _case(copy, "image/jpeg", 40))
    clean = add_case(live_service.db_url,
                     _case(synthetic_image(77, width=1280, height=720), "image/png", 40))
    matches = admin.call("GET", f"/cases/{flagged}/matches").json()
    assert matches["bank_match"] == "known-bad"
    assert matches["bank_matches"][0]["bank"] == "known-bad"
    assert matches["bank_matches"][0]["distance"] <= 31
    assert "data" not in str(matches)
    assert admin.call("GET", f"/cases/{clean}/matches").json()["bank_match"] is None
    # a lead sees the flag too (ids and decisions, no content)
    assert lead.call("GET", f"/cases/{flagged}/matches").json()["bank_match"] == "known-bad"
    # a specialist who does not hold the case does not
    assert specialist.call("GET", f"/cases/{flagged}/matches").status_code == 403

    # a bank that grows later flags the case already ingested
    later = synthetic_image(9001, width=1280, height=720, fmt="PNG")
    earlier_case = add_case(live_service.db_url, _case(later, "image/png", 40))
    assert admin.call("GET", f"/cases/{earlier_case}/matches").json()["bank_match"] is None
    grown = admin.call("POST", "/hash-banks/known-bad/entries",
                       json={"hashes": [pdq.hash_image(later)[0].hex]})
    assert grown.json()["cases_flagged"] == 1
    assert admin.call("GET", f"/cases/{earlier_case}/matches").json()["bank_match"] == \
        "known-bad"


def test_near_duplicate_cases_share_a_group_and_the_later_shows_the_earlier_decision(
    live_service: LiveService,
) -> None:
    picture = synthetic_image(31337, width=1280, height=720, fmt="PNG")
    first = add_case(live_service.db_url, _case(picture, "image/png", 100))
    second = add_case(live_service.db_url, _case(_altered(picture), "image/jpeg", 99))
    unrelated = add_case(live_service.db_url,
                         _case(synthetic_image(4, width=1280, height=720), "image/png", 98))
    specialist = _signed_in(live_service, live_service.accounts.specialist)
    lease = specialist.lease(3).json()
    assert [c["id"] for c in lease["cases"]] == [first, second, unrelated]

    before = specialist.call("GET", f"/cases/{second}/matches")
    assert before.status_code == 200, before.text
    group = before.json()["near_dup_group"]
    assert group is not None
    assert [(m["case_id"], m["decision"]) for m in before.json()["near_duplicates"]] == \
        [(first, None)]
    assert specialist.call("GET", f"/cases/{first}/matches").json()["near_dup_group"] == group
    assert specialist.call("GET", f"/cases/{unrelated}/matches").json() == {
        "case_id": unrelated, "near_dup_group": None, "bank_match": None,
        "near_duplicates": [], "bank_matches": []}

    decided = specialist.decide(first, lease["lease_id"], action="remove")
    assert decided.status_code == 201, decided.text
    after = specialist.call("GET", f"/cases/{second}/matches").json()
    [earlier] = after["near_duplicates"]
    assert earlier["case_id"] == first
    assert earlier["status"] == "decided"
    assert earlier["distance"] <= 31
    assert earlier["decision"]["action"] == "remove"
    assert earlier["decision"]["policy_refs"] == ["CS-VIO-1"]

    third = add_case(live_service.db_url, _case(picture, "image/png", 10))
    admin = _signed_in(live_service, live_service.accounts.admin)
    joined = admin.call("GET", f"/cases/{third}/matches").json()
    assert joined["near_dup_group"] == group
    assert [m["case_id"] for m in joined["near_duplicates"]][0] == first  # decided first
    assert {m["case_id"] for m in joined["near_duplicates"]} == {first, second}


def test_the_same_clip_in_two_cases_groups_them_by_its_keyframes(
    live_service: LiveService,
) -> None:
    clip = synthetic_video(320, 180, fps=10, seconds=3.0, seed=5)
    first = add_case(live_service.db_url, _case(clip, "video/mp4", 40))
    again = add_case(live_service.db_url, _case(
        synthetic_video(320, 180, fps=10, seconds=3.0, seed=5), "video/mp4", 40))
    other = add_case(live_service.db_url, _case(
        synthetic_video(320, 180, fps=10, seconds=3.0, seed=9, label="ANOTHER CLIP"),
        "video/mp4", 40))
    admin = _signed_in(live_service, live_service.accounts.admin)
    matches = admin.call("GET", f"/cases/{again}/matches").json()
    assert [m["case_id"] for m in matches["near_duplicates"]] == [first]
    assert admin.call("GET", f"/cases/{other}/matches").json()["near_dup_group"] is None


def test_the_matching_routes_are_in_the_openapi_document(live_service: LiveService) -> None:
    doc = Api(live_service.url).http.get(f"{live_service.url}/openapi.json", timeout=10).json()
    ops = {op["operationId"]: op for item in doc["paths"].values() for op in item.values()
           if isinstance(op, dict) and "operationId" in op}
    for op_id, tag in (("post_hash_bank", "hash-banks"), ("get_hash_banks", "hash-banks"),
                       ("post_hash_bank_entries", "hash-banks"),
                       ("get_case_matches", "cases")):
        assert ops[op_id]["tags"] == [tag]
    assert "403" in ops["post_hash_bank"]["responses"]


def _queue_and_priority(service: LiveService, case_id: str) -> tuple[str, int]:
    from reviewer_app.service.db import Database
    from reviewer_app.service.models import CaseRow

    db = Database(service.db_url, pool_size=1)
    try:
        with db.read() as s:
            row = s.get(CaseRow, case_id)
            assert row is not None
            return row.queue, row.priority
    finally:
        db.dispose()


def test_a_bank_match_is_routed_to_the_banks_queue_and_raised_in_priority(
    live_service: LiveService,
) -> None:
    """A routing rule naming a bank moves the cases that bank flags, at ingest and when the
    bank grows later, and raises them to priority 95; an unflagged case is left alone."""
    admin = _signed_in(live_service, live_service.accounts.admin)
    table = admin.call("GET", "/routing").json()
    rules = [{"queue": "known-material", "hash_bank": "known-violating"}, *table["rules"]]
    put = admin.call("PUT", "/routing", json={"rules": rules, "default_queue": "general",
                                              "reason": "known material to its own queue"})
    assert put.status_code == 200, put.text
    assert admin.call("POST", "/hash-banks", json={"name": "known-violating"}).status_code == 201
    first = synthetic_image(4242, width=1280, height=720, fmt="PNG")
    later = synthetic_image(4343, width=1280, height=720, fmt="PNG")
    admin.call("POST", "/hash-banks/known-violating/entries",
               json={"hashes": [pdq.hash_image(first)[0].hex]})

    flagged = add_case(live_service.db_url, _case(_altered(first, crop=False), "image/jpeg", 20))
    clean = add_case(live_service.db_url, _case(synthetic_image(4444, width=1280, height=720),
                                                "image/png", 20))
    grows = add_case(live_service.db_url, _case(_altered(later, crop=False), "image/jpeg", 20))
    assert _queue_and_priority(live_service, flagged) == ("known-material", 95)
    assert _queue_and_priority(live_service, clean) == ("general", 20)
    assert _queue_and_priority(live_service, grows) == ("general", 20)

    admin.call("POST", "/hash-banks/known-violating/entries",
               json={"hashes": [pdq.hash_image(later)[0].hex]})
    assert _queue_and_priority(live_service, grows) == ("known-material", 95)
    events = admin.call("GET", "/audit?action=bank_match_routed").json()
    routed = {e["subject_id"] for e in events["events"] if e["action"] == "bank_match_routed"}
    assert routed >= {flagged, grows}
    assert clean not in routed
