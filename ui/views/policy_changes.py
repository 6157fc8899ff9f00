"""The policy change notes: a non-modal dialog listing notes newest first (what each version
added, reworded and retired, and the admin's note). Shown once at sign-in for the notes not
seen yet, and from Help > Policy changes… (Ctrl+Shift+P) for all of them."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from reviewer_app.contract import PolicyChangeNote


def note_html(note: PolicyChangeNote) -> str:
    parts = [f"<h3>Policy version {note.version}</h3>",
             f"<p><i>Published {note.published_at:%Y-%m-%d %H:%M} UTC by "
             f"{escape(note.published_by)}</i></p>",
             f"<p>{escape(note.note)}</p>"]
    for label, codes in (("Added", note.added), ("Reworded", note.reworded),
                         ("Retired (no longer citable)", note.retired)):
        if codes:
            parts.append(f"<p><b>{label}:</b> {escape(', '.join(codes))}</p>")
    return "".join(parts)


class PolicyChangesDialog(QDialog):
    """Non-modal: the reviewer reads it beside the case; closing it is `finished`."""

    def __init__(self, notes: list[PolicyChangeNote], *, unseen: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("policyChanges")
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("New policy changes" if unseen else "Policy changes")
        self.notes = list(notes)
        self.text = QTextBrowser(self)
        self.text.setObjectName("policyChangesText")
        self.text.setAccessibleName("Policy change notes")
        self.text.setHtml("".join(note_html(n) for n in notes)
                          or "<p>No policy changes have been published.</p>")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(560, 420)
