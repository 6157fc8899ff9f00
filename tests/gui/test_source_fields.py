"""The decision bar asks for what the case's source needs (domain.DECISION_NEEDS, the rule
the service applies too) and refuses to hand on a decision without it; the case view shows
what matters for the source above the media."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from reviewer_app.domain import (
    Action,
    ClaimType,
    IPClaimContext,
    RegulatorContext,
    Source,
)
from tests.unit.test_contract import NOW, a_case
from ui.views.case_view import context_html
from ui.views.decision_bar import DecisionBar

REGULATOR = RegulatorContext(authority="Office of Online Safety (fictional)",
                             legal_basis="EU DSA Art. 16 (simulated)", jurisdiction="EU-DE",
                             reference="OOS-9", statutory_deadline=NOW + timedelta(hours=3,
                                                                                    minutes=5))
COPYRIGHT = IPClaimContext(rights_holder="Example Studios (fictional)", work="A fictional film",
                           claim_type=ClaimType.COPYRIGHT)


def _bar(qtbot: Any, **case: Any) -> tuple[DecisionBar, list[str], list[Any]]:
    bar = DecisionBar()
    qtbot.addWidget(bar)
    bar.set_case(a_case().model_copy(update=case))
    problems: list[str] = []
    drafts: list[Any] = []
    bar.sig_problem.connect(problems.append)
    bar.sig_decide.connect(drafts.append)
    return bar, problems, drafts


def test_a_regulator_decision_that_restricts_needs_a_legal_ground(qtbot: Any) -> None:
    bar, problems, drafts = _bar(qtbot, context=REGULATOR)
    assert not bar.ground.isHidden()
    assert bar.outcome.isHidden()
    bar.commit(Action.REMOVE)
    assert drafts == []
    assert problems == ["Choose a legal ground and explain it (Alt+G) before this decision."]
    bar.ground.setCurrentIndex(bar.ground.findData("illegal_content"))
    bar.commit(Action.REMOVE)  # a code without an explanation is not a ground yet
    assert drafts == []
    bar.ground_text.setText("Illegal in EU-DE (simulated)")
    bar.commit(Action.REMOVE)
    assert len(drafts) == 1
    assert drafts[0].legal_ground.explanation == "Illegal in EU-DE (simulated)"
    assert drafts[0].claim is None


def test_keeping_a_regulator_case_needs_no_ground(qtbot: Any) -> None:
    bar, problems, drafts = _bar(qtbot, context=REGULATOR)
    bar.commit(Action.KEEP)
    assert problems == []
    assert len(drafts) == 1


def test_an_ip_decision_needs_the_claim_outcome_and_the_counter_notice(qtbot: Any) -> None:
    bar, problems, drafts = _bar(qtbot, source=Source.IP_CLAIM, context=COPYRIGHT)
    assert bar.ground.isHidden()
    assert not bar.outcome.isHidden()
    assert not bar.counter_notice.isHidden()
    bar.commit(Action.KEEP)
    assert drafts == []
    assert problems[-1].startswith("Choose the claim's outcome")
    bar.outcome.setCurrentIndex(bar.outcome.findData("rejected"))
    bar.commit(Action.KEEP)
    assert drafts == []
    assert "counter-notice" in problems[-1]
    bar.counter_notice.setCurrentIndex(bar.counter_notice.findData(False))
    bar.commit(Action.KEEP)
    assert len(drafts) == 1
    assert drafts[0].claim.outcome == "rejected"
    assert drafts[0].claim.counter_notice_possible is False


def test_the_case_view_shows_what_matters_for_the_source() -> None:
    regulator = context_html(a_case().model_copy(update={"context": REGULATOR}), NOW)
    for text in ("Office of Online Safety (fictional)", "EU DSA Art. 16 (simulated)",
                 "OOS-9", "Statutory deadline", "3 h 05 min left"):
        assert text in regulator
    ip = context_html(a_case().model_copy(update={"source": Source.IP_CLAIM,
                                                  "context": COPYRIGHT}), NOW)
    for text in ("Example Studios (fictional)", "A fictional film", "Copyright"):
        assert text in ip
