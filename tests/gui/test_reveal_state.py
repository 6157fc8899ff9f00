"""The one reveal state of every viewer (ui/reveal.py), on its own: steps, hold, lens, sound,
re-blur, the warning, hide, and what is booked, with a clock the test moves."""

from __future__ import annotations

from typing import Any

from reviewer_app.domain import HarmCategory, Severity
from safeguards import RevealMode
from ui.imaging import RevealStep
from ui.render_cache import ExposureSubject
from ui.reveal import RevealState, ViewerPolicy

ITEM = ExposureSubject(case_id="case-1", media_id="media-1",
                       harm_category=HarmCategory.GRAPHIC_VIOLENCE, severity=Severity.MODERATE)
SEVERE = ExposureSubject(case_id="case-2", media_id="media-2",
                         harm_category=HarmCategory.GRAPHIC_VIOLENCE, severity=Severity.SEVERE)


class Rig:
    """A state with a clock in the test's hand and every signal recorded."""

    def __init__(self, qtbot: Any, **kwargs: Any) -> None:
        self.now = 0
        self.ready = True
        self.booked: list[tuple[str, str, int]] = []
        self.steps: list[int] = []
        self.needs: list[int] = []
        self.sound: list[bool] = []
        self.state = RevealState(ready=lambda: self.ready, painted=self.state_wanted,
                                 clock=lambda: self.now, **kwargs)
        s = self.state
        s.sig_exposure.connect(lambda subj, kind, ms: self.booked.append((subj.media_id, kind,
                                                                          ms)))
        s.sig_step_changed.connect(self.steps.append)
        s.sig_needs_step.connect(self.needs.append)
        s.sig_sound.connect(self.sound.append)
        s.policy = ViewerPolicy(auto_reblur_s=30.0, outline_offered=True)

    def state_wanted(self) -> RevealStep:
        return self.state.wanted_step()


def test_the_stepped_reveal_walks_every_offered_step_and_books_one_reveal(qtbot: Any) -> None:
    rig = Rig(qtbot)
    s = rig.state
    s.open_item(ITEM)
    s.report_shown()
    s.report_shown()
    assert rig.booked == [("media-1", "shown", 0)]
    walked = []
    for _ in range(3):
        walked.append(s.step_reveal())
        rig.now += 1000
    assert walked == [RevealStep.OUTLINE, RevealStep.SHARP_GRAY, RevealStep.COLOUR]
    assert rig.needs == [int(step) for step in walked]
    assert 0 < s.reblur_in_ms <= 30_000 * 1.05  # Qt's coarse timers run up to 5% long
    s.policy = ViewerPolicy(auto_reblur_s=2.0, outline_offered=True)  # new seconds: shorter
    assert 0 < s.reblur_in_ms <= 2000 * 1.05
    s.step_reveal()  # past colour: back to the blur, the reveal is booked
    assert s.step is RevealStep.BLURRED
    assert s.reblur_in_ms == -1
    assert rig.booked[-1] == ("media-1", "revealed", 3000)
    assert rig.steps == [1, 2, 3, 0]

    s.policy = ViewerPolicy(auto_reblur_s=30.0, colour_allowed=False)
    assert s.steps() == [RevealStep.BLURRED, RevealStep.SHARP_GRAY]
    s.step_reveal()
    rig.now += 500
    s.policy = ViewerPolicy(auto_reblur_s=30.0, reveal_modes=frozenset({RevealMode.HOLD}))
    assert s.step is RevealStep.BLURRED  # rules that no longer allow the reveal end it
    assert rig.booked[-1] == ("media-1", "revealed", 500)


def test_hold_and_lens_overlap_into_one_reveal_and_reblur_lets_a_hold_go_on(qtbot: Any) -> None:
    rig = Rig(qtbot)
    s = rig.state
    s.open_item(ITEM)
    s.begin_hold()
    assert s.wanted_step() is RevealStep.SHARP_GRAY
    assert s.revealing
    s.step_reveal()
    s.step_reveal()  # outline, then sharp gray: under the hold
    rig.now += 200
    s.reblur()
    assert s.holding
    assert s.revealing
    assert [b for b in rig.booked if b[1] == "revealed"] == []
    rig.now += 300
    s.end_hold()
    assert rig.booked[-1] == ("media-1", "revealed", 500)
    assert s.toggle_lens()
    assert s.wanted_step() is RevealStep.BLURRED
    rig.now += 50
    assert not s.toggle_lens()
    assert rig.booked[-1] == ("media-1", "revealed", 50)


def test_sound_is_a_reveal_that_reblur_hide_and_leaving_end(qtbot: Any) -> None:
    rig = Rig(qtbot)
    s = rig.state
    s.open_item(ITEM)
    assert s.toggle_sound()
    rig.now += 700
    s.reblur()
    assert rig.sound == [True, False]
    assert rig.booked[-1] == ("media-1", "revealed", 700)
    s.toggle_sound()
    rig.now += 100
    s.hide_now()
    assert not s.sound
    assert rig.booked[-1] == ("media-1", "revealed", 100)
    assert not s.toggle_sound()
    assert s.step_reveal() is RevealStep.BLURRED
    s.unhide()
    s.toggle_sound()
    rig.now += 40
    s.clear()  # leaving the item books its reveal to it
    assert rig.booked[-1] == ("media-1", "revealed", 40)
    assert s.subject is None
    s.policy = ViewerPolicy(reveal_modes=frozenset())
    s.open_item(ITEM)
    assert not s.toggle_sound()


def test_nothing_is_revealed_or_shown_behind_the_warning_or_before_the_media_is_ready(
        qtbot: Any) -> None:
    rig = Rig(qtbot)
    s = rig.state
    rig.ready = False
    s.open_item(ITEM)
    s.report_shown()
    s.begin_hold()
    assert rig.booked == []
    assert not s.revealing
    rig.ready = True
    s.clear()
    s.open_item(SEVERE)
    assert s.interstitial
    s.report_shown()
    assert s.step_reveal() is RevealStep.BLURRED
    assert not s.toggle_lens()
    assert rig.booked == []
    s.acknowledge_warning()
    assert not s.interstitial
    assert rig.booked == [("media-2", "shown", 0)]
    s.clear()
    s.open_item(SEVERE, withheld=True)  # a placeholder hides nothing behind a warning
    assert not s.interstitial


def test_where_the_warning_opens_the_item_it_is_a_reveal_that_closes_again(qtbot: Any) -> None:
    rig = Rig(qtbot, warning_opens=True)
    s = rig.state
    s.open_item(SEVERE)
    s.acknowledge_warning()
    assert not s.interstitial
    assert s.revealing
    rig.now += 2500
    s.reblur()
    assert s.interstitial
    assert rig.booked == [("media-2", "shown", 0),
                                             ("media-2", "revealed", 2500)]
    s.hide_now()
    s.acknowledge_warning()  # not while hidden
    assert s.interstitial
    assert not s.revealing
