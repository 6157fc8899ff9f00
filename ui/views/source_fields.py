"""The fields a case's source asks of a decision (domain.DECISION_NEEDS): a legal ground and
its explanation (a regulator's request, a legal order), a claim's outcome and whether a
counter-notice is possible (an intellectual-property claim). The decision bar and the
correction dialog build them here, so both read and fill them the same way."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from reviewer_app.domain import ClaimOutcome, ClaimResolution, LegalGround, LegalGroundCode
from ui.views.case_view import humanise


class SourceFields:
    """The four widgets (children of `parent`), and what they say."""

    def __init__(self, parent: QWidget) -> None:
        self.ground = QComboBox(parent)
        self.ground.setObjectName("legalGround")
        self.ground.setAccessibleName("Legal ground")
        self.ground.addItem("(no legal ground)", "")
        for code in LegalGroundCode:
            self.ground.addItem(humanise(code), code.value)
        self.ground_text = QLineEdit(parent)
        self.ground_text.setObjectName("legalGroundExplanation")
        self.ground_text.setAccessibleName("Legal ground explanation")
        self.ground_text.setPlaceholderText("Why this ground applies")
        self.ground_text.setMaxLength(2000)
        self.outcome = QComboBox(parent)
        self.outcome.setObjectName("claimOutcome")
        self.outcome.setAccessibleName("Claim outcome")
        self.outcome.addItem("(no claim outcome)", "")
        for outcome in ClaimOutcome:
            self.outcome.addItem(humanise(outcome), outcome.value)
        self.counter_notice = QComboBox(parent)
        self.counter_notice.setObjectName("counterNotice")
        self.counter_notice.setAccessibleName("Counter-notice possible")
        for text, value in (("Counter-notice: not said", None),
                            ("Counter-notice possible", True),
                            ("No counter-notice", False)):
            self.counter_notice.addItem(text, value)

    def legal_ground(self) -> LegalGround | None:
        code, text = str(self.ground.currentData() or ""), self.ground_text.text().strip()
        if not code or not text:
            return None
        return LegalGround(code=LegalGroundCode(code), explanation=text)

    def claim(self) -> ClaimResolution | None:
        outcome = str(self.outcome.currentData() or "")
        if not outcome:
            return None
        return ClaimResolution(outcome=ClaimOutcome(outcome),
                               counter_notice_possible=self.counter_notice.currentData())

    def fill(self, ground: LegalGround | None, claim: ClaimResolution | None) -> None:
        """Shows these (None: the empty choice)."""
        self.ground.setCurrentIndex(max(0, self.ground.findData(
            ground.code.value if ground else "")))
        self.ground_text.setText(ground.explanation if ground else "")
        self.outcome.setCurrentIndex(max(0, self.outcome.findData(
            claim.outcome.value if claim else "")))
        notice = claim.counter_notice_possible if claim else None
        self.counter_notice.setCurrentIndex(
            {None: 0, True: 1, False: 2}[notice])
