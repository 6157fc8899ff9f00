"""Text items under the safeguards: a high-severity text (against the real service) stays
collapsed behind the category warning until the reviewer opens it, is counted when first
read and for as long as it stays open, and can be searched; bytes that are not strict UTF-8
are the placeholder, never a guess at an encoding."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from reviewer_app.domain import ExposureKind, HarmCategory, Severity
from reviewer_app.service.ingest import NewMedia
from reviewer_app.service.seed import add_case, demo_case
from tests.gui.test_category_display import open_case
from tests.gui.test_workstation import WAIT_MS, press, wait_synced
from ui.render_cache import ExposureSubject
from ui.views.text_view import TextView, UndecodableText, decode_text

WORDS = "\n\n".join(f"[{n}] SIMULATED CONTENT, a reported thread, paragraph {n}."
                    + (" The word NEEDLE is here." if n == 40 else "") for n in range(1, 61))


@pytest.fixture
def severe_text(live_service: Any) -> str:
    base = demo_case(0, random.Random(9), datetime.now(UTC), media_px=(64, 48))
    return add_case(live_service.db_url, dataclasses.replace(
        base, harm_category=HarmCategory.HATE_HARASSMENT, severity=Severity.SEVERE,
        priority=100, media=[NewMedia(WORDS.encode("utf-8"), "text/plain")]))


def test_a_severe_text_is_collapsed_until_opened_counted_and_searchable(
        qtbot: Any, severe_text: str, workstation: Any) -> None:
    ws = workstation
    events: list[Any] = []
    ws.flow.sig_exposure.connect(events.append)
    open_case(qtbot, ws, severe_text)
    media, view = ws.window.media, ws.window.media.text
    qtbot.waitUntil(lambda: media.active is view, timeout=WAIT_MS)
    assert view.interstitial
    assert "Warning: Hate harassment, severity 4 severe." in view.card.text()
    assert not view.words_on_screen
    assert not [e for e in events if e.case_id == severe_text]
    assert ws.window.case_view.subject_collapsed  # the subject text too
    assert "Show the subject text" in ws.window.case_view.context.html()

    press(ws, Qt.Key.Key_Return)
    assert view.words_on_screen
    shown = [e for e in events if e.case_id == severe_text and e.kind is ExposureKind.SHOWN]
    assert len(shown) == 1
    media_id = ws.flow.current.items[0].media.id
    assert shown[0].media_id == media_id

    QTest.keyClick(ws.window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert view.search_bar.isVisible()
    assert view.search_for("needle") == 1
    assert view.selected.lower() == "needle"
    assert view.search_for("SIMULATED CONTENT") == 60
    assert view.find_next()
    view.close_search()

    qtbot.wait(100)
    press(ws, Qt.Key.Key_H)  # hiding ends the reading, booked to the text
    revealed = [e for e in events if e.kind is ExposureKind.REVEALED]
    assert [(e.case_id, e.media_id) for e in revealed] == [(severe_text, media_id)]
    press(ws, Qt.Key.Key_H)
    assert view.interstitial  # collapsed again: opening it is a new, counted choice
    wait_synced(qtbot, ws, str(revealed[0].client_id))


def subject(severity: Severity) -> ExposureSubject:
    return ExposureSubject(case_id="C1", media_id="M1", harm_category=HarmCategory.OTHER,
                           severity=severity)


@pytest.mark.parametrize("data", [b"\xff\xfe\x00t\x00e\x00x\x00t", b"caf\xe9 latin-1",
                                  b"cut short \xe2\x82", b"nul\x00byte"])
def test_bytes_that_are_not_strict_utf8_are_the_placeholder(qtbot: Any, data: bytes) -> None:
    with pytest.raises(UndecodableText) as refused:
        decode_text(data)
    view = TextView()
    qtbot.addWidget(view)
    exposures: list[Any] = []
    view.sig_exposure.connect(lambda *args: exposures.append(args))
    view.load(None, subject(Severity.LOW), problem=str(refused.value))
    assert view.is_placeholder
    assert not view.words_on_screen
    assert "Text withheld" in view.card.text()
    assert exposures == []


def test_a_low_severity_text_is_shown_at_once_and_counted_once(qtbot: Any) -> None:
    view = TextView()
    qtbot.addWidget(view)
    exposures: list[Any] = []
    view.sig_exposure.connect(lambda *args: exposures.append(args[1]))
    view.load(decode_text("\ufeffSIMULATED CONTENT".encode()), subject(Severity.LOW))
    assert view.words_on_screen
    assert view.text == "SIMULATED CONTENT"
    view.hide_now()
    view.unhide()
    assert exposures == ["shown"]
