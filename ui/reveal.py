"""The one reveal state of every viewer: pictures, clips, recordings and texts.

SAFEGUARDS.md's reveal, kept once: the stepped reveal blurred -> outline (where the item's
category offers it) -> sharp gray -> colour (where it allows colour), which re-blurs by itself
after the policy's seconds; hold (sharp gray while a key is down); the lens (sharp gray under
the pointer); the sound of a clip or recording; the category warning card; `hide_now`. What
is booked: "shown" once per item, when its safeguarded preview is first on screen (never
behind the warning, while hidden or for a placeholder), and one "revealed" exposure per
reveal, from the first of these ways to begin until the last one ends, with its duration in
ms and the `ExposureSubject` of the item it was of (leaving an item ends its reveal first).

New rules (`policy`) end at once a reveal they no longer allow, and a running re-blur
countdown never outlasts the new seconds.

The views keep what they paint; this keeps what may be painted. A view tells it, through
`ready`, whether a safeguarded rendering that is not the placeholder is up (nothing can be
revealed or shown before), and through `painted` which step is on screen (for
`sig_step_changed`). Qt only for the signals and the re-blur timer; durations come from a
monotonic clock (Qt's, or one a test injects).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal

from reviewer_app.domain import ExposureKind
from safeguards import RevealMode
from ui.imaging import RevealStep
from ui.render_cache import ExposureSubject

__all__ = ["RevealState", "ViewerPolicy"]


@dataclass(frozen=True)
class ViewerPolicy:
    """The display rules the viewers obey for the item on screen: its harm category's display
    (the team's, with the category's own settings), made only safer by personal ones."""

    blur_width: int = 48
    grayscale: bool = True
    reveal_modes: frozenset[RevealMode] = field(default_factory=lambda: frozenset(RevealMode))
    auto_reblur_s: float = 10.0
    warning_from_severity: int = 3
    colour_allowed: bool = True
    """False: the stepped reveal stops at sharp grayscale; colour is never shown."""
    outline_offered: bool = False
    """True: the stepped reveal goes through an outline rendering (edges only) before sharp
    grayscale."""


def _qt_clock() -> Callable[[], int]:
    timer = QElapsedTimer()
    timer.start()
    return timer.elapsed


class RevealState(QObject):
    """The reveal of the item on one view, and what it books.

    `warning_opens`: acknowledging the warning is itself a reveal that re-blur, hide and
    leaving end, with the warning back up (a text collapsed behind it); otherwise it only lets
    the blurred preview show, for as long as the item stays.

    Signals:
        sig_exposure(object, str, int): an exposure ended: its ExposureSubject, the kind
            ("shown"/"revealed") and the duration in ms.
        sig_step_changed(int): the painted RevealStep changed (the view's `painted`).
        sig_needs_step(int): a reveal wants this RevealStep painted.
        sig_sound(bool): the sound is to be on (a reveal) or off.
        sig_changed(): what is to be painted changed; the view refreshes.
    """

    sig_exposure = Signal(object, str, int)
    sig_step_changed = Signal(int)
    sig_needs_step = Signal(int)
    sig_sound = Signal(bool)
    sig_changed = Signal()

    def __init__(self, parent: QObject | None = None, *, ready: Callable[[], bool],
                 painted: Callable[[], RevealStep | None], warning_opens: bool = False,
                 clock: Callable[[], int] | None = None) -> None:
        super().__init__(parent)
        self._ready = ready
        self._painted = painted
        self._warning_opens = warning_opens
        self._now_ms = clock or _qt_clock()
        self._policy = ViewerPolicy()
        self.subject: ExposureSubject | None = None
        self.hidden = False
        self._warning = False
        self._opened = False
        self._shown_reported = False
        self.step = RevealStep.BLURRED
        """The stepped reveal's step (hold and lens come on top of it)."""
        self.holding = False
        self.lens = False
        self.sound = False
        self._since_ms: int | None = None
        self._reblur = QTimer(self)
        self._reblur.setSingleShot(True)
        self._reblur.timeout.connect(self.reblur)

    # ------------------------------------------------------------------ rules

    @property
    def policy(self) -> ViewerPolicy:
        return self._policy

    @policy.setter
    def policy(self, policy: ViewerPolicy) -> None:
        if policy == self._policy:
            return
        self._policy = policy
        modes = policy.reveal_modes
        if self.holding and RevealMode.HOLD not in modes:
            self.end_hold()
        if self.lens and RevealMode.LENS not in modes:
            self.toggle_lens()
        if self.sound and not modes:
            self.set_sound(False)
        if self.step is not RevealStep.BLURRED and (
                RevealMode.STEPPED not in modes
                or (self.step is RevealStep.COLOUR and not policy.colour_allowed)
                or (self.step is RevealStep.OUTLINE and not policy.outline_offered)):
            self.reblur()
        elif self._reblur.isActive() and self._reblur.remainingTime() > policy.auto_reblur_s * 1000:
            self._reblur.start(int(policy.auto_reblur_s * 1000))
        self.sig_changed.emit()

    def steps(self) -> list[RevealStep]:
        """The stepped reveal for the item on screen, in order: blur, the outline where it is
        offered, sharp gray, colour where it is allowed."""
        found = [RevealStep.BLURRED]
        if self._policy.outline_offered:
            found.append(RevealStep.OUTLINE)
        found.append(RevealStep.SHARP_GRAY)
        if self._policy.colour_allowed:
            found.append(RevealStep.COLOUR)
        return found

    def wanted_step(self) -> RevealStep:
        """The step the reveal asks to paint, within the rules whatever asked for it."""
        step = max(RevealStep.SHARP_GRAY, self.step) if self.holding else self.step
        if step is RevealStep.COLOUR and not self._policy.colour_allowed:
            return RevealStep.SHARP_GRAY
        if step is RevealStep.OUTLINE and not self._policy.outline_offered:
            return RevealStep.BLURRED
        return step

    # ------------------------------------------------------------------ the item

    def open_item(self, subject: ExposureSubject | None, *, withheld: bool = False) -> None:
        """A new item (after `clear`): its exposures go to `subject`; high severity waits
        behind the warning, unless the item is withheld (its placeholder hides nothing)."""
        self.subject = subject
        severity = int(subject.severity) if subject is not None else 0
        self._warning = not withheld and severity >= self._policy.warning_from_severity
        self._opened = False

    def clear(self) -> None:
        """Leave the item: its reveal ends first (booked to it). Hidden stays hidden."""
        self.end_reveal()
        self.subject = None
        self._warning = False
        self._opened = False
        self._shown_reported = False

    def drop_warning(self) -> None:
        """The item turned out withheld: no warning in front of its placeholder."""
        self._warning = False

    @property
    def interstitial(self) -> bool:
        """The category warning is up instead of the item."""
        return self._warning and not self._opened

    def acknowledge_warning(self) -> None:
        """The reviewer read the warning and chose to see the item (a reveal where the warning
        opens it)."""
        if not self.interstitial:
            return
        if self._warning_opens:
            if self.hidden:
                return
            self._opened = True
            self._since_ms = self._now_ms()
        else:
            self._warning = False
        self.sig_changed.emit()
        self.report_shown()

    # ------------------------------------------------------------------ safety

    def hide_now(self) -> None:
        """Blank at once (the view repaints): any reveal ends, booked."""
        self.end_reveal()
        self.hidden = True

    def unhide(self) -> None:
        self.hidden = False
        self.sig_changed.emit()
        self.report_shown()  # an item that arrived while hidden is first shown now

    def report_shown(self) -> None:
        """Book "shown" once, when the item's preview is first on screen."""
        if (not self._shown_reported and not self.interstitial and not self.hidden
                and self.subject is not None and self._ready()):
            self._shown_reported = True
            self.sig_exposure.emit(self.subject, str(ExposureKind.SHOWN), 0)

    # ------------------------------------------------------------------ reveal

    def can_reveal(self) -> bool:
        return not self.hidden and not self.interstitial and self._ready()

    def begin_hold(self) -> None:
        if (RevealMode.HOLD in self._policy.reveal_modes and self.can_reveal()
                and not self.holding):
            self.holding = True
            self._begin(RevealStep.SHARP_GRAY)

    def end_hold(self) -> None:
        if self.holding:
            self.holding = False
            self.end_reveal()

    def toggle_lens(self) -> bool:
        """Switch the lens on or off; returns whether it is on."""
        if self.lens:
            self.lens = False
            self.end_reveal()
        elif RevealMode.LENS in self._policy.reveal_modes and self.can_reveal():
            self.lens = True
            self._begin(RevealStep.SHARP_GRAY)
        return self.lens

    def step_reveal(self) -> RevealStep:
        """One step on: blur -> outline (where offered) -> sharp gray -> colour (where
        allowed) -> blur; each step re-blurs by itself after the policy's seconds. Returns the
        step now wanted."""
        if RevealMode.STEPPED not in self._policy.reveal_modes or not self.can_reveal():
            return self.step
        later = [step for step in self.steps() if step > self.step]
        nxt = later[0] if later else RevealStep.BLURRED
        if nxt is RevealStep.BLURRED:
            self.reblur()
            return self.step
        if self._since_ms is None:
            self._since_ms = self._now_ms()
        self.step = nxt
        self._reblur.start(int(self._policy.auto_reblur_s * 1000))
        self.sig_needs_step.emit(int(nxt))
        self.sig_changed.emit()
        self.sig_step_changed.emit(int(self._painted() or 0))
        return nxt

    def toggle_sound(self) -> bool:
        """Sound on (a reveal: only where the policy allows reveals) or off again; returns
        whether it is on."""
        if self.sound:
            self.set_sound(False)
        elif self._policy.reveal_modes and self.can_reveal():
            self.set_sound(True)
        return self.sound

    def set_sound(self, on: bool) -> None:
        if on == self.sound:
            return
        self.sound = on
        self.sig_sound.emit(on)
        if on:
            if self._since_ms is None:
                self._since_ms = self._now_ms()
        else:
            self._finish_if_over()
        self.sig_changed.emit()

    def reblur(self) -> None:
        """Back to the blurred step, sound off (the auto re-blur and the stepped toggle end
        here; a hold or the lens goes on)."""
        self._reblur.stop()
        self.set_sound(False)
        if self._warning_opens and self._opened:
            self.end_reveal()
            return
        if self.step is not RevealStep.BLURRED:
            self.step = RevealStep.BLURRED
            self.sig_changed.emit()
            self._finish_if_over()
            self.sig_step_changed.emit(int(RevealStep.BLURRED))

    def end_reveal(self) -> None:
        """Every way of revealing ends at once; the reveal is booked."""
        if not (self.revealing or self.holding or self.lens or self.sound or self._opened
                or self.step is not RevealStep.BLURRED):
            return  # nothing to end (a view that leaves an item repaints by itself)
        self.holding = False
        self.lens = False
        self._reblur.stop()
        self.step = RevealStep.BLURRED
        self._opened = False
        if self.sound:
            self.sound = False
            self.sig_sound.emit(False)
        self._finish()
        self.sig_changed.emit()

    @property
    def revealing(self) -> bool:
        """Whether a reveal is running (its time is being counted)."""
        return self._since_ms is not None

    @property
    def reblur_in_ms(self) -> int:
        """Time left before the stepped reveal re-blurs by itself (-1: not counting down)."""
        return self._reblur.remainingTime() if self._reblur.isActive() else -1

    def _begin(self, step: RevealStep) -> None:
        if self._since_ms is None:
            self._since_ms = self._now_ms()
        self.sig_needs_step.emit(int(step))
        self.sig_changed.emit()

    def _finish_if_over(self) -> None:
        if not (self.holding or self.lens or self.sound or self._opened
                or self.step is not RevealStep.BLURRED):
            self._finish()

    def _finish(self) -> None:
        if self._since_ms is not None:
            elapsed = max(0, int(self._now_ms() - self._since_ms))
            self._since_ms = None
            if self.subject is not None:
                self.sig_exposure.emit(self.subject, str(ExposureKind.REVEALED), elapsed)
