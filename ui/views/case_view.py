"""The case view, context first: who escalated it, why, under which rule; then the media.

Every string from the service is untrusted and is escaped before it reaches a rich-text
label, so a reporter's words can never inject markup or load a remote image.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from reviewer_app.domain import Case, HarmCategory, Severity
from safeguards import SystemClock
from ui.views.media_viewer import MediaViewer

SEVERITY_COLOURS = {0: "#6b7280", 1: "#2f855a", 2: "#b7791f", 3: "#c05621", 4: "#c53030"}


def humanise(word: str) -> str:
    """`business_partner` -> `Business partner`."""
    return word.replace("_", " ").capitalize()


def hours_minutes(seconds: float) -> str:
    """A span as a person reads it: `45 min`, `3 h 05 min`, `2 d 4 h` (never raw minutes)."""
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def sla_text(due: datetime, now: datetime) -> str:
    """Time left before the SLA is breached, or how long ago it was."""
    left = (due - now).total_seconds()
    return f"{hours_minutes(left)} left" if left >= 0 else f"breached {hours_minutes(left)} ago"


def severity_text(severity: int) -> str:
    return f"{int(severity)} {Severity(severity).name.lower()}"


def badge(text: str, colour: str) -> str:
    return (f'<span style="background:{colour}; color:white; padding:2px 6px;">'
            f"&nbsp;{html.escape(text)}&nbsp;</span>")


def category_warning(category: HarmCategory, severity: int) -> str:
    return (f"Warning: {humanise(category)}, severity {severity_text(severity)}.")


class CaseView(QWidget):
    """Context panel above the safeguarded media viewer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.now: Callable[[], datetime] = SystemClock().now
        """Service time (the window sets the session's clock); SLA times are service times."""
        self.context = QLabel(self)
        self.context.setObjectName("caseContext")
        self.context.setTextFormat(Qt.TextFormat.RichText)
        self.context.setOpenExternalLinks(False)
        self.context.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                             | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.context.setWordWrap(True)
        self.context.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.context.setAccessibleName("Case context")
        self.media_note = QLabel(self)
        self.media_note.setObjectName("mediaNote")
        self.media_note.setTextFormat(Qt.TextFormat.PlainText)
        self.media_note.setWordWrap(True)
        self.media_note.setAccessibleName("Media note")
        self.media_note.hide()

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.context)
        self.viewer = MediaViewer(self)

        split = QSplitter(Qt.Orientation.Vertical, self)
        split.setObjectName("caseSplit")
        split.addWidget(scroll)
        split.addWidget(self.viewer)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 5)
        split.setChildrenCollapsible(False)
        split.setSizes([260, 560])
        self.splitter = split
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        layout.addWidget(self.media_note)
        self.case: Case | None = None
        self.show_case(None)

    def show_case(self, case: Case | None) -> None:
        self.case = case
        self.set_media_note(None)
        if case is None:
            self.context.setText("<p>No case open. Pull cases from the queue (Ctrl+L).</p>")
            self.viewer.clear("No case open")
            return
        self.context.setText(context_html(case, self.now()))

    def set_media_note(self, note: str | None) -> None:
        """A plain sentence under the media, e.g. why the media was withheld."""
        self.media_note.setText(note or "")
        self.media_note.setVisible(bool(note))


def context_html(case: Case, now: datetime) -> str:
    e = html.escape
    sev = int(case.severity)
    due = case.sla_due_at.astimezone(UTC)
    sla = sla_text(due, now)
    rows = [
        f"<h2 style='margin:0'>Case {e(case.id)}</h2>",
        "<p>"
        + " ".join([
            badge(humanise(case.source), "#4a5568"),
            badge(humanise(case.policy_area), "#2b6cb0"),
            badge(humanise(case.harm_category), "#6b46c1"),
            badge("severity " + severity_text(sev), SEVERITY_COLOURS.get(sev, "#4a5568")),
            badge(f"priority {case.priority}", "#4a5568"),
        ])
        + "</p>",
        f"<p><b>SLA</b> {e(due.strftime('%Y-%m-%d %H:%M UTC'))} ({e(sla)}) &nbsp; "
        f"<b>Jurisdiction</b> {e(case.jurisdiction or 'not given')}</p>",
    ]
    rep = case.reporter
    who = humanise(rep.type) + (f", {rep.organisation}" if rep.organisation else "")
    ref = f" (ref. {rep.reference})" if rep.reference else ""
    rows.append(f"<p><b>Reported by</b> {e(who + ref)}</p>")
    if rep.statement:
        rows.append(f"<blockquote>{e(rep.statement)}</blockquote>")
    if case.legal_basis:
        rows.append(f"<p><b>Legal basis</b> {e(case.legal_basis)}</p>")
    if case.rights_holder:
        rows.append(f"<p><b>Rights holder</b> {e(case.rights_holder)}</p>")
    if case.subject_text:
        rows.append(f"<p><b>Subject</b> {e(case.subject_text)}</p>")
    if case.history:
        items = "".join(
            f"<li>{e(h.at.astimezone(UTC).strftime('%Y-%m-%d %H:%M'))} {e(h.actor)}: "
            f"{e(h.kind)}{(' ' + e(h.action)) if h.action else ''}"
            f"{(' - ' + e(h.body)) if h.body else ''}</li>"
            for h in case.history
        )
        rows.append(f"<p><b>History</b></p><ul>{items}</ul>")
    else:
        rows.append("<p><b>History</b> none</p>")
    media = ", ".join(f"{m.kind} {m.width or '?'}x{m.height or '?'}" for m in case.media)
    rows.append(f"<p><b>Media</b> {e(media or 'none')}</p>")
    return "\n".join(rows)
