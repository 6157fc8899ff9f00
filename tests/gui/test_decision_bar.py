"""The decision bar: citations from the taxonomy only, several allowed, none invented."""

from __future__ import annotations

from typing import Any

from reviewer_app.domain import Action
from tests.unit.test_contract import a_case
from ui.views.decision_bar import DecisionBar


def test_several_citations_in_order_without_repeats(qtbot: Any) -> None:
    bar = DecisionBar()
    qtbot.addWidget(bar)
    bar.set_case(a_case())  # graphic violence: CS-VIO-1 preselected
    bar.also_cite.setText("ip-tm-1, CS-VIO-1 , REG-DSA-16")
    bar.ground.setCurrentIndex(bar.ground.findData("illegal_content"))  # a regulator's case:
    bar.ground_text.setText("Illegal under the cited law (simulated)")  # removal needs a ground
    with qtbot.waitSignal(bar.sig_decide) as decided:
        bar.commit(Action.REMOVE)
    assert decided.args[0].policy_refs == ("CS-VIO-1", "IP-TM-1", "REG-DSA-16")


def test_a_code_outside_the_taxonomy_is_explained_and_nothing_is_decided(qtbot: Any) -> None:
    bar = DecisionBar()
    qtbot.addWidget(bar)
    bar.set_case(a_case())
    bar.also_cite.setText("CS-VIO-9")
    problems: list[str] = []
    decisions: list[object] = []
    bar.sig_problem.connect(problems.append)
    bar.sig_decide.connect(decisions.append)
    bar.commit(Action.REMOVE)
    assert decisions == []
    assert problems == ["Not in the policy taxonomy: CS-VIO-9."]


def test_removing_without_any_citation_is_refused_with_a_reason(qtbot: Any) -> None:
    bar = DecisionBar()
    qtbot.addWidget(bar)
    bar.set_case(a_case())
    bar.citation.setCurrentIndex(0)  # "(no citation)"
    problems: list[str] = []
    bar.sig_problem.connect(problems.append)
    bar.commit(Action.REMOVE)
    assert problems
    assert "citation" in problems[0]
