"""`reviewer-app --tour DIR`: the demo drives itself and saves a screenshot of each step.

The script is a generator: each `yield` hands back a condition, and the next step runs once
the condition holds (polled on a timer, so the event loop keeps running and workers report
back). A condition that does not hold within the step's time limit ends the tour with exit
code 1 and says which step stalled.

After the specialist's part, with `lead_credentials`, the wellness lead signs in to the lead
console (a session of their own): the policy in force, a per-category edit with its preview
and its diff, the save with a reason, and the team dashboard with its charts.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from reviewer_app.client.session import ReviewSession
from reviewer_app.domain import Action, HarmCategory, MediaKind
from ui.imaging import RevealStep
from ui.views.decision_bar import NEEDS_CITATION

if TYPE_CHECKING:
    from ui.app import Workstation
    from ui.console.lead_console import LeadConsole

Condition = Callable[[], bool]
STEP_TIMEOUT_S = 60.0
BREAK_TIMEOUT_S = 30 * 60.0
"""An enforced break is waited out in full, however long the team policy makes it."""
SYNC_TIMEOUT_S = 180.0
"""Waiting for the service: a decision the service holds back until its break ends (its
clock may end the break seconds after the workstation's), on a machine other work keeps
busy."""
TOUR_ACTIONS = (Action.REMOVE, Action.KEEP, Action.LABEL, Action.RESTRICT, Action.ESCALATE,
                Action.REQUEST_INFO)


class TourFailed(Exception):
    """A step cannot go on (not a stall: waiting longer would not help)."""


class Tour(QObject):
    def __init__(self, ws: Workstation, out_dir: Path, *,
                 lead_credentials: tuple[str, str] | None = None) -> None:
        super().__init__(ws.window)
        self.ws = ws
        self.out_dir = out_dir
        self.lead_credentials = lead_credentials
        self.console: LeadConsole | None = None
        self._lead_session: ReviewSession | BaseException | None = None
        self.console_summary = ""
        self.exit_code = 1
        self.shots: list[Path] = []
        self.decided = 0
        self.reply_shown = False
        self.counts: object = None
        self._script: Generator[tuple[str, Condition], None, None] | None = None
        self._waiting: tuple[str, Condition] | None = None
        self.break_seconds = 0.0
        self._deadline = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._tick)
        ws.flow.sig_counts.connect(self._got_counts)  # OutboxCounts
        self._matched: set[str] = set()
        ws.flow.sig_matches.connect(lambda case_id, _found: self._matched.add(case_id))
        self.matching: list[str] = []
        self._revealed = False

    def start(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._script = self.script()
        self._advance()
        self._timer.start()

    # ------------------------------------------------------------------ machinery

    def _got_counts(self, counts: object) -> None:
        self.counts = counts

    def _advance(self) -> None:
        assert self._script is not None
        try:
            self._waiting = next(self._script)
            what = self._waiting[0]
            limit = (BREAK_TIMEOUT_S if "break" in what else
                     SYNC_TIMEOUT_S if "synced" in what else STEP_TIMEOUT_S)
            self._deadline = time.monotonic() + limit
        except StopIteration:
            self._finish(0)
        except TourFailed as exc:
            print(f"tour: {exc}", file=sys.stderr)
            self._finish(1)
        except Exception:  # a step that breaks must fail the tour, not end it as a success
            traceback.print_exc()
            print("tour: a step failed (see above)", file=sys.stderr)
            self._finish(1)

    def _tick(self) -> None:
        if self._waiting is None:
            return
        what, condition = self._waiting
        try:
            met = condition()
        except Exception:  # a broken condition fails the tour rather than stalling it
            traceback.print_exc()
            print(f"tour: the check for {what} failed (see above)", file=sys.stderr)
            self._finish(1)
            return
        if met:
            self._advance()
        elif time.monotonic() > self._deadline:
            print(f"tour: stalled waiting for {what}", file=sys.stderr)
            print(f"tour: sync then: {self._sync_words()}", file=sys.stderr)
            message = self.ws.window.statusBar().currentMessage()
            print(f"tour: the status line then: {message or '(empty)'}", file=sys.stderr)
            self.shot("stalled")
            self._finish(1)

    def _sync_words(self) -> str:
        """What the sync engine was doing, for a stall's message (the engine's status reads
        the local store: the tour has stopped, the GUI may wait on it)."""
        try:
            state = self.ws.sync.status
        except Exception as exc:  # the message must not hide the stall behind another error
            return f"unknown ({type(exc).__name__})"
        return (f"{'online' if state.online else 'offline'}, {state.pending} pending, next "
                f"pass in {state.next_attempt_in_s:.0f} s, "
                f"last error: {state.last_error or 'none'}")

    def _finish(self, code: int) -> None:
        self._timer.stop()
        self._waiting = None
        self.exit_code = code
        if code == 0:
            pending = getattr(self.counts, "pending", "?")
            synced = getattr(self.counts, "synced", "?")
            print(f"tour: decided {self.decided} cases; outbox items synced: {synced} "
                  f"(decisions and exposure events), pending: {pending}")
            print(f"tour: enforced breaks sat out: {self.break_seconds:.0f} s")
            if self.matching:
                print(f"tour: matching: {'; '.join(self.matching)}")
            if self.console_summary:
                print(f"tour: {self.console_summary}")
            print(f"tour: {len(self.shots)} screenshots in {self.out_dir}")
        if self.console is not None:
            self.console.shutdown()
        elif isinstance(self._lead_session, ReviewSession):
            self._lead_session.close()
        window = self.ws.window
        if not window.isVisible():
            QApplication.instance().exit(code)  # type: ignore[union-attr]
            return
        # Quitting saves first ("Saving your work…"); the loop ends once the window has closed.
        window.sig_closing.connect(
            lambda: QApplication.instance().exit(code))  # type: ignore[union-attr]
        window.close()

    def shot(self, name: str) -> None:
        QApplication.processEvents()
        path = self.out_dir / f"{len(self.shots) + 1:02d}-{name}.png"
        self.ws.window.grab().save(str(path))
        self.shots.append(path)
        viewer_dir = self.out_dir / "viewer"
        viewer_dir.mkdir(exist_ok=True)
        active = self.ws.window.media.active  # the content alone: a clip's picture, not its
        getattr(active, "picture", active).grab().save(str(viewer_dir / path.name))  # controls

    # ------------------------------------------------------------------ the script

    def _painted(self) -> bool:
        """The item on screen is up (safeguarded, behind its warning, or withheld), whichever
        widget of the media stack shows it."""
        media = self.ws.window.media
        return self.ws.flow.current is not None and (
            media.painted_step is not None or media.interstitial or media.is_placeholder)

    def _pending(self) -> int:
        return int(getattr(self.counts, "pending", -1))

    def _queue_done(self) -> bool:
        flow = self.ws.flow
        return flow.pulls_answered > 0 and flow.current is None and flow.next_case_id(None) is None

    def script(self) -> Generator[tuple[str, Condition], None, None]:
        flow, window, viewer = self.ws.flow, self.ws.window, self.ws.window.media
        yield "the first leased case", self._painted
        self.shot("queue-and-case")
        last: str | None = None
        while True:
            yield "the next case, or the end of the queue", lambda prev=last: (  # type: ignore[misc]
                self._queue_done() or (self._painted() and flow.current is not None
                                       and flow.current.case.id != prev))
            if flow.current is None:
                answered = flow.pulls_answered
                flow.pull()
                yield "the service's answer to a pull", lambda a=answered: (  # type: ignore[misc]
                    flow.pulls_answered > a)
                if flow.next_case_id(None) is None:
                    break
                continue
            case_id = last = flow.current.case.id
            if viewer.interstitial:
                self.shot(f"case-{case_id}-warning")
                viewer.acknowledge_warning()
            first = flow.current.item.kind
            # a text is no picture: its shot is named for what it is, not "blurred"
            self.shot(f"case-{case_id}-{'text' if first is MediaKind.TEXT else 'blurred'}")
            yield "the case's matches", lambda c=case_id: c in self._matched  # type: ignore[misc]
            if (yield from self._decided_by_matching(case_id)):
                continue
            if not self._revealed and not viewer.is_placeholder:
                self._revealed = True
                yield from self._stepped_reveal(case_id)
            yield from self._every_item(case_id)
            if window.locked:
                yield from self._sit_out_break()
            action = TOUR_ACTIONS[self.decided % len(TOUR_ACTIONS)]
            self._fill_what_the_source_needs(action)
            if not self.reply_shown and window.decision_bar.reply_for(action)[1]:
                window.replies.toggle()  # Ctrl+R: the reply this decision sends, filled
                picker = window.replies.preview.action
                picker.setCurrentIndex(max(0, picker.findData(action.value)))
                self.shot(f"case-{case_id}-reply-preview")
                window.replies.toggle()
                self.reply_shown = True
            if action is Action.ESCALATE:
                window.decision_bar.team.setCurrentIndex(0)
                self.shot(f"case-{case_id}-escalate-to-{window.decision_bar.team.currentData()}")
            window.decision_bar.decision_actions[action].trigger()
            if case_id not in flow.decided:  # refused: the status line says why
                raise TourFailed(f"{action.value} on case {case_id} was refused: "
                                 f"{window.statusBar().currentMessage() or 'no reason shown'}")
            self.decided += 1
        yield "every decision synced", lambda: (
            self._pending() == 0 and int(getattr(self.counts, "synced", 0)) >= self.decided)
        self.shot("all-decided-and-synced")
        yield from self._self_break()
        if self.lead_credentials is not None:
            yield from self._lead_console()

    def _decided_by_matching(self, case_id: str) -> Generator[tuple[str, Condition], None, bool]:
        """A case matching can decide without a reveal: an earlier decided match applied
        (Ctrl+Shift+A), a hash-bank match decided blurred, or a group decided at once after
        viewing this one (Ctrl+Shift+G, then the decision). False: nothing matched."""
        window, flow = self.ws.window, self.ws.flow
        banner = window.match_banner
        if window.locked or banner.case_id != case_id or banner.matches is None:
            return False
        if banner.can_apply:
            self.shot(f"case-{case_id}-matches-an-earlier-decision")
            window.act_apply_match.trigger()
            self.matching.append("an earlier decision applied without revealing")
        elif banner.matches.bank_match:
            bank = banner.matches.bank_match  # the banner moves on with the decision
            self.shot(f"case-{case_id}-in-a-hash-bank")
            window.decision_bar.decision_actions[Action.REMOVE].trigger()
            self.matching.append(f"a '{bank}' match removed unrevealed")
        elif banner.can_group:
            size = len(banner.matches.near_duplicates) + 1
            window.act_decide_group.trigger()
            self.shot(f"case-{case_id}-group-decision-on")
            window.decision_bar.decision_actions[Action.REMOVE].trigger()
            self.matching.append(f"a group of {size} decided after viewing one")
        else:
            return False
        self.decided += 1
        yield f"case {case_id} decided", lambda: case_id in flow.decided
        return True

    def _fill_what_the_source_needs(self, action: Action) -> None:
        """A removal, restriction or label cites a policy, and a case whose category has no
        likely citation preselected (e.g. "other") gets none by itself; a regulator's or a
        court's case that is restricted needs a legal ground, an IP claim its outcome
        (`domain.DECISION_NEEDS`): the tour gives them as a reviewer would."""
        bar = self.ws.window.decision_bar
        if action in NEEDS_CITATION and not bar.citations():
            bar.citation.setCurrentIndex(1)  # the first code of the taxonomy (C, then pick)
        if bar.source_shortfall(action) is None:
            return
        bar.ground.setCurrentIndex(1)
        bar.ground_text.setText("Tour: illegal under the law the request cites (simulated)")
        bar.outcome.setCurrentIndex(1)
        bar.counter_notice.setCurrentIndex(1)
        if bar.source_shortfall(action) is not None:
            raise TourFailed(f"the tour cannot give what this decision needs: "
                             f"{bar.source_shortfall(action)}")

    def _sit_out_break(self) -> Generator[tuple[str, Condition], None, None]:
        """An enforced break (e.g. a micro-break after a severe reveal) runs its full length."""
        self.shot("enforced-break")
        window = self.ws.window
        started = time.monotonic()
        print("tour: an enforced break is running; it cannot be skipped, waiting it out",
              flush=True)
        yield "the enforced break to end", lambda: not window.locked
        self.break_seconds += time.monotonic() - started

    def _self_break(self) -> Generator[tuple[str, Condition], None, None]:
        window = self.ws.window
        window.act_break.trigger()
        yield "the break overlay", lambda: window.overlay.isVisible()
        self.shot("self-initiated-break")
        window.overlay.end.click()
        yield "the break to end", lambda: not window.locked

    def _every_item(self, case_id: str) -> Generator[tuple[str, Condition], None, None]:
        """Each item of the case in turn (the strip's next-item key): a clip is shown paused,
        then played blurred and muted for a moment; a text behind its warning, then opened."""
        flow, window = self.ws.flow, self.ws.window
        media = window.media
        while True:
            entry = flow.current
            if entry is None:
                return
            index = entry.index
            kind = entry.item.kind
            label = f"case-{case_id}-item-{index + 1}-{kind.value if kind else 'none'}"
            if index > 0 or kind in (MediaKind.VIDEO, MediaKind.AUDIO):
                if media.interstitial:
                    self.shot(f"{label}-warning")
                    media.acknowledge_warning()
                    yield "the item after its warning", lambda: not media.interstitial
                self.shot(label)
            if media.active is media.video and not media.is_placeholder:
                yield from self._play_clip(label)
            if index + 1 >= len(entry.items):
                return
            window.go_item(+1)
            yield f"item {index + 2} of case {case_id}", lambda i=index + 1: (  # type: ignore[misc]
                flow.current is not None and flow.current.index == i and self._painted())

    def _play_clip(self, label: str) -> Generator[tuple[str, Condition], None, None]:
        video = self.ws.window.media.video
        yield "the clip's keyframe strip", lambda: not video.strip.busy and video.has_frame
        self.shot(f"{label}-paused-blurred")
        video.set_rate(2.0)
        video.play_pause()
        yield "a second of the clip played, blurred and muted", lambda: (
            video.position_ms >= 1000 or video.is_placeholder)
        video.pause()
        self.shot(f"{label}-played-blurred")

    def _stepped_reveal(self, case_id: str) -> Generator[tuple[str, Condition], None, None]:
        viewer = self.ws.window.media
        steps = (RevealStep.OUTLINE, RevealStep.SHARP_GRAY, RevealStep.COLOUR)
        for step in steps if self.ws.flow.outline_offered else steps[1:]:
            viewer.step_reveal()
            yield f"the {step.name} rendering", lambda s=step: viewer.painted_step == s  # type: ignore[misc]
            self.shot(f"case-{case_id}-{step.name.lower().replace('_', '-')}")
        viewer.reblur()

    # ------------------------------------------------------------------ the lead's part

    def console_shot(self, name: str, widget: QWidget | None = None) -> Path:
        """A screenshot of the console (or one of its parts); leads see no case media, so
        there is no viewer copy."""
        QApplication.processEvents()
        assert self.console is not None
        path = self.out_dir / f"{len(self.shots) + 1:02d}-{name}.png"
        (widget or self.console.window).grab().save(str(path))
        self.shots.append(path)
        return path

    def _open_lead_session(self) -> None:
        """The lead's own session (own local store and keyring entry), signed in off the GUI
        thread like every sign-in."""
        assert self.lead_credentials is not None
        user, password = self.lead_credentials
        base = self.ws.session.config
        config = base.model_copy(update={
            "data_dir": base.data_dir.parent / f"{base.data_dir.name}-lead",
            "keyring_service": f"{base.keyring_service}-lead"})

        def op() -> ReviewSession:
            session = ReviewSession(config)
            try:
                session.login(user, password)
            except BaseException:
                session.close()
                raise
            return session

        def settle(result: ReviewSession | BaseException) -> None:
            self._lead_session = result

        self.ws.workers.run(op, settle, settle)

    def _lead_console(self) -> Generator[tuple[str, Condition], None, None]:
        from ui.console.lead_console import build_console

        self._open_lead_session()
        yield "the wellness lead's sign-in", lambda: self._lead_session is not None
        session = self._lead_session
        if not isinstance(session, ReviewSession):
            raise TourFailed(f"the wellness lead could not sign in: {session}")
        self.console = console = build_console(
            session, self.ws.window.settings,
            title="Wellness lead console — DEMO (synthetic data)")
        console.window.resize(1600, 1000)
        console.window.show()
        console.start()
        editor, window = console.window.editor, console.window
        yield "the policy in force, previewed", lambda: (
            editor.in_force is not None and editor.preview.ready)
        self.console_shot("console-policy-in-force")

        self_harm = str(HarmCategory.SELF_HARM)
        editor.form.by_category.select(self_harm)
        own = editor.form.by_category.optional
        for name, value in (("blur_strength", 8), ("colour_allowed", False),
                            ("warning_from_severity", 1)):
            own[name].set_value(value)
            own[name].sig_changed.emit()
        editor.form.caps.add_cap({"categories": [self_harm], "min_severity": 3,
                                  "window": "hour", "measure": "revealed", "limit": 6,
                                  "action": "force_break"})
        yield "the preview of the self-harm edit", lambda: (
            editor.preview.ready and editor.preview.category == self_harm)
        editor.form_scroll.ensureWidgetVisible(editor.form.by_category.picker, 50, 20)
        self.console_shot("console-policy-edit-preview")
        self.console_shot("console-preview", editor.preview)
        self.console_shot("console-policy-diff", editor.diff)
        editor.reason.setText("Tour: a very strong blur, warnings from severity 1 and no colour "
                              "for self harm; an enforced break at 6 high reveals an hour")
        version = editor.in_force.version if editor.in_force else 0
        window.act_save.trigger()
        yield "the policy saved", lambda: (
            not editor.saving and editor.in_force is not None
            and editor.in_force.version > version)
        self.console_shot("console-policy-saved")

        window.act_dashboard.trigger()
        dashboard = window.dashboard
        dashboard.refresh()
        yield "the team dashboard", lambda: (dashboard.dashboard is not None
                                             and not dashboard.loading)
        self.console_shot("console-dashboard")
        for index, key in enumerate(dashboard.views):
            dashboard.charts.setCurrentIndex(index)
            QApplication.processEvents()
            self.console_shot(f"console-chart-{key}", dashboard.views[key])
        assert dashboard.dashboard is not None
        assert editor.in_force is not None
        self.console_summary = (
            f"lead console: policy version {editor.in_force.version} saved; dashboard of "
            f"{len(dashboard.dashboard.people)} people, "
            f"{sum(1 for p in dashboard.dashboard.people if p.near_cap)} near a cap")
        yield from self._quality()
        yield from self._intelligence()

    def _quality(self) -> Generator[tuple[str, Condition], None, None]:
        """The demo's blind second reviews (seed_quality): agreement, kappa, and the one
        disagreement waiting for the lead."""
        assert self.console is not None
        window = self.console.window
        quality = window.quality
        if quality is None:
            return
        window.act_quality.trigger()
        quality.refresh()
        yield "the quality figures", lambda: quality.figures is not None and not quality.loading
        assert quality.figures is not None
        overall = quality.figures.overall
        if quality.disagreements:
            quality.list.selectRow(0)
        self.console_shot("console-quality")
        percent = f"{overall.percent:.0f} %" if overall.percent is not None else "no"
        self.console_summary += (
            f"; quality: {overall.n} second reviews, {percent} agreement, "
            f"{sum(1 for d in quality.disagreements if d.resolved_at is None)} open "
            "disagreement(s)")

    def _intelligence(self) -> Generator[tuple[str, Condition], None, None]:
        """The demo's spike (seed_trends: one trusted flagger's burst), explained, with the
        ids of its cases, and the stakeholder report written from the view."""
        from ui.console.intel import DIMENSIONS

        assert self.console is not None
        window = self.console.window
        intel = window.intel
        window.act_intel.trigger()
        yield "the first trends", lambda: intel.series is not None and not intel.loading
        intel.dimension.setCurrentIndex(DIMENSIONS.index("reporter_organisation"))
        intel.refresh()
        yield "the trends by reporter organisation", lambda: (
            not intel.loading and intel.series is not None
            and intel.series.dimension == "reporter_organisation")
        assert intel.series is not None
        if intel.series.spikes:
            intel.spikes.setCurrentRow(len(intel.series.spikes) - 1)
        self.console_shot("console-intelligence-spike")
        report = self.out_dir / "trend-report.html"
        intel.export_report(report)
        found = f"; intelligence: {len(intel.series.spikes)} spike(s) by reporter organisation"
        if intel.series.spikes:
            spike = intel.series.spikes[-1]
            behind = intel.cases.get((spike.key, spike.hour))
            found += (f", {spike.key} at {spike.hour:%H:00} UTC: {spike.count} cases against a "
                      f"threshold of {spike.threshold:g}, "
                      f"{len(behind.case_ids) if behind else 0} case ids listed")
        emerging = [c for c in (intel.found.clusters if intel.found else []) if c.emerging]
        if emerging:
            intel.clusters.setCurrentRow(0)
            self.console_shot("console-intelligence-cluster")
            first = emerging[0]
            found += (f"; {len(emerging)} emerging cluster(s) of decisions, first "
                      f"{first.kind.replace('_', ' ')} {first.key}: {first.count} cases")
        self.console_summary += f"{found}; report written to {report.name}"
