"""The case view, context first: who escalated it, why, under which rule; then the media.

Every string from the service is untrusted and is escaped before it reaches a rich-text
label, so a reporter's words can never inject markup or load a remote image. The reported
item's own words (`subject_text`) are media too: for high severity they stay collapsed behind
the category warning until the reviewer opens them (the "Show the subject text" link, or the
window's command).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QLabel, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from reviewer_app.domain import (
    BusinessContext,
    Case,
    HarmCategory,
    IPClaimContext,
    LegalOrderContext,
    RegulatorContext,
    Severity,
    UserReportContext,
)
from safeguards import SystemClock
from ui.views.item_strip import ItemStrip
from ui.views.media_stack import MediaStack
from ui.workers import Workers

SUBJECT_LINK = "#show-subject"
SECOND_REVIEW_TEXT = ("Second review (blind): decide this case as you would. The first "
                      "decision is hidden from you, and yours is recorded as a quality review; "
                      "it does not change the case's outcome.")

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


class ContextText(QTextBrowser):
    """The case's context as rich text that scrolls, selectable, its one link (show the
    collapsed subject) a signal. A text browser lays the document out once per case at its
    width; a word-wrapped label in a scroll area laid it out again for each size it was asked
    (height for width, minimum size), on every case switch.

    Signals:
        sig_link(str): a link in the text was activated (its href).
    """

    sig_link = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.viewport().setBackgroundRole(QPalette.ColorRole.Window)  # follows the theme
        # Always there: a scroll bar that came and went laid each case out at two widths.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.anchorClicked.connect(self._anchor)
        self._html = ""

    def show_html(self, text: str) -> None:
        """Shows `text` (HTML); the same text again changes nothing and paints nothing."""
        if text != self._html:
            self._html = text
            self.setHtml(text)

    def html(self) -> str:
        """The HTML last shown (as given, before Qt's rewriting)."""
        return self._html

    def _anchor(self, url: QUrl) -> None:
        self.sig_link.emit(url.toString())


class CaseView(QWidget):
    """Context panel above the safeguarded media (the item strip, then the widget of the item
    on screen)."""

    def __init__(self, parent: QWidget | None = None, *, workers: Workers | None = None) -> None:
        super().__init__(parent)
        self.now: Callable[[], datetime] = SystemClock().now
        """Service time (the window sets the session's clock); SLA times are service times."""
        self.context = ContextText(self)
        self.context.setObjectName("caseContext")
        self.context.sig_link.connect(self._link)
        self.context.setAccessibleName("Case context")
        self.media_note = QLabel(self)
        self.media_note.setObjectName("mediaNote")
        self.media_note.setTextFormat(Qt.TextFormat.PlainText)
        self.media_note.setWordWrap(True)
        self.media_note.setAccessibleName("Media note")
        self.media_note.hide()
        self.second_review = QLabel(SECOND_REVIEW_TEXT, self)
        self.second_review.setObjectName("secondReviewBanner")
        self.second_review.setTextFormat(Qt.TextFormat.PlainText)
        self.second_review.setWordWrap(True)
        self.second_review.setAccessibleName("Second review (blind)")
        self.second_review.setStyleSheet(
            "background:#2b4c7e; color:white; padding:6px; font-weight:bold;")
        self.second_review.hide()

        self.stack = MediaStack(self, workers=workers)
        self.viewer = self.stack.image
        self.strip = ItemStrip(self)
        media = QWidget(self)
        media_column = QVBoxLayout(media)
        media_column.setContentsMargins(0, 0, 0, 0)
        media_column.setSpacing(0)
        media_column.addWidget(self.strip)
        media_column.addWidget(self.stack, 1)

        split = QSplitter(Qt.Orientation.Vertical, self)
        split.setObjectName("caseSplit")
        split.addWidget(self.context)
        split.addWidget(media)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 5)
        split.setChildrenCollapsible(False)
        split.setSizes([260, 560])
        self.splitter = split
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.second_review)
        layout.addWidget(split)
        layout.addWidget(self.media_note)
        self.case: Case | None = None
        self.subject_collapsed = False
        self.show_case(None)

    def show_case(self, case: Case | None, *, collapse_subject: bool = False) -> None:
        """Show a case's context; `collapse_subject`: its words wait behind the warning."""
        self.case = case
        self.set_media_note(None)
        self.second_review.setVisible(case is not None and case.second_review)
        self.subject_collapsed = bool(case is not None and case.subject_text and collapse_subject)
        if case is None:
            self.context.show_html("<p>No case open. Pull cases from the queue (Ctrl+L).</p>")
            self.strip.set_items([])
            self.stack.clear("No case open")
            return
        self._fill()

    def expand_subject(self) -> bool:
        """The reviewer chose to read the collapsed subject text; returns whether it was."""
        if not self.subject_collapsed:
            return False
        self.subject_collapsed = False
        self._fill()
        return True

    def _fill(self) -> None:
        if self.case is not None:
            self.context.show_html(context_html(self.case, self.now(),
                                                subject_collapsed=self.subject_collapsed))

    def _link(self, link: str) -> None:
        if link == SUBJECT_LINK:
            self.expand_subject()

    def set_media_note(self, note: str | None) -> None:
        """A plain sentence under the media, e.g. why the media was withheld."""
        self.media_note.setText(note or "")
        self.media_note.setVisible(bool(note))


def deadline_text(deadline: datetime, now: datetime) -> str:
    """A statutory deadline as a reviewer reads it: when, and how long is left."""
    left = (deadline - now).total_seconds()
    span = f"{hours_minutes(left)} left" if left >= 0 else f"passed {hours_minutes(left)} ago"
    return f"{deadline.astimezone(UTC).strftime('%Y-%m-%d %H:%M UTC')} ({span})"


def source_rows(case: Case, now: datetime) -> list[tuple[str, str]]:
    """What matters for the case's source, as (label, plain text) pairs, in reading order."""
    c = case.context
    if isinstance(c, RegulatorContext):
        return [("Authority", c.authority), ("Legal basis", c.legal_basis),
                ("Reference", c.reference), ("Jurisdiction", c.jurisdiction),
                ("Statutory deadline", deadline_text(c.statutory_deadline, now))]
    if isinstance(c, LegalOrderContext):
        return [("Court or authority", c.authority), ("Order", c.order_reference),
                ("Jurisdiction", c.jurisdiction),
                ("Deadline", deadline_text(c.deadline, now))]
    if isinstance(c, IPClaimContext):
        return [("Rights holder", c.rights_holder), ("Work", c.work),
                ("Claim type", humanise(c.claim_type))]
    if isinstance(c, BusinessContext):
        return [("Account", c.account), ("Ad or listing", c.listing_id),
                ("Advertiser policy", c.advertiser_policy)]
    if isinstance(c, UserReportContext):
        return [("Reporter", c.reporter), ("Reason", c.reason)]
    return []


def source_html(case: Case, now: datetime) -> str:
    rows = source_rows(case, now)
    if not rows:
        return ""
    cells = "".join(f"<tr><td><b>{html.escape(label)}</b>&nbsp;</td>"
                    f"<td>{html.escape(text)}</td></tr>" for label, text in rows)
    return f"<table id='sourceContext'>{cells}</table>"


def context_html(case: Case, now: datetime, *, subject_collapsed: bool = False) -> str:
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
    source = source_html(case, now)
    if source:
        rows.append(source)
    rep = case.reporter
    who = humanise(rep.type) + (f", {rep.organisation}" if rep.organisation else "")
    ref = f" (ref. {rep.reference})" if rep.reference else ""
    rows.append(f"<p><b>Reported by</b> {e(who + ref)}</p>")
    if rep.statement:
        rows.append(f"<blockquote>{e(rep.statement)}</blockquote>")
    if case.legal_basis and not source:
        rows.append(f"<p><b>Legal basis</b> {e(case.legal_basis)}</p>")
    if case.rights_holder and not source:
        rows.append(f"<p><b>Rights holder</b> {e(case.rights_holder)}</p>")
    if case.subject_text and subject_collapsed:
        warning = category_warning(case.harm_category, sev)
        rows.append(f"<p><b>Subject</b> <i>collapsed.</i> {e(warning)} "
                    f"<a href='{SUBJECT_LINK}'>Show the subject text</a> (Shift+Return)</p>")
    elif case.subject_text:
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
    media = ", ".join(media_words(m) for m in case.media)
    rows.append(f"<p><b>Media</b> {e(media or 'none')}</p>")
    return "\n".join(rows)


def clock_text(ms: int | None) -> str:
    """A clip's length as a person reads it: `0:08`, `12:30`, `1:02:03` ('' when unknown)."""
    if ms is None:
        return ""
    seconds = max(0, int(ms) // 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def media_words(media: object) -> str:
    """One item in words: `image 640x480`, `video 0:08`, `audio 0:03`, `text`."""
    kind = str(getattr(media, "kind", ""))
    length = clock_text(getattr(media, "duration_ms", None))
    if kind in ("video", "audio"):
        return f"{kind} {length}".strip()
    if kind == "image":
        width, height = getattr(media, "width", None), getattr(media, "height", None)
        return f"image {width or '?'}x{height or '?'}"
    return kind
