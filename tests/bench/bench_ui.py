"""UI figures: the safeguarded pipeline against a bare decode, "decide and next" latency with
and without prefetch, and resident memory with 200 cases leased and 10 prefetched.

Runs offscreen against the real service on loopback, signed in through the real keyring
(make bench runs under dbus-run-session like make test)."""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import psutil
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QEvent,
    QIODevice,
    QObject,
    QRectF,
    QSettings,
    QSize,
    Qt,
)
from PySide6.QtGui import QImage, QImageReader, QPainter, QPaintEvent
from PySide6.QtWidgets import QApplication, QWidget

from reviewer_app.config import ClientConfig
from reviewer_app.domain import Action, HarmCategory, Severity
from reviewer_app.service.seed import add_cases, seed_demo
from reviewer_app.service.server import start_in_thread
from reviewer_app.service.settings import ServiceSettings
from tests.bench.run_all import Figure
from tests.bench.service_process import service_process
from tests.helpers.synthetic_media import colourful_image, encode
from ui import imaging
from ui.app import build_window, qt_environment
from ui.imaging import ALLOCATION_LIMIT_MB, RevealStep, SafeRendering, render
from ui.render_cache import ExposureSubject
from ui.review_flow import ReviewFlow
from ui.views.media_viewer import MediaViewer

BLUR_WIDTH = 48
DISPLAY = QSize(1280, 720)
WINDOW = QSize(1400, 900)


def _noisy_jpeg(width: int, height: int) -> bytes:
    """A synthetic JPEG with fine detail (hard to compress, slow to decode, like a photo)."""
    image = colourful_image(width, height)
    bits = image.bits()
    step = 7919
    view = memoryview(bits).cast("B")
    for i in range(0, len(view), 61):
        view[i] = (i * step) & 0xFF
    return encode(image, "JPEG", 92)


def _bare_decode(data: bytes, width: int) -> QImage:
    """A plain viewer's decode: straight to `width` (the display's, to show it; the blur's, the
    least any decode does), no safeguard."""
    QImageReader.setAllocationLimit(ALLOCATION_LIMIT_MB)
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setScaledSize(reader.size().scaled(QSize(width, width),
                                              Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


def _interleaved_ms(fns: dict[str, object], repeat: int) -> dict[str, tuple[float, float]]:
    """Median wall and process-CPU ms of each fn, run in turn within each repetition, so that
    the figures compared in a ratio see the same load (the machine may be shared)."""
    wall: dict[str, list[float]] = {name: [] for name in fns}
    cpu: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()  # type: ignore[operator]
            wall[name].append((time.perf_counter() - start) * 1000)
            cpu[name].append((time.process_time() - start_cpu) * 1000)
    return {name: (statistics.median(wall[name]), statistics.median(cpu[name])) for name in fns}


def pipeline_figures() -> list[Figure]:
    """The blurred rendering for a 1280x720 display (decoded at 48 px, gray, smoothly enlarged
    to the display) against a bare scaled decode to the display, what a plain viewer does to
    show the picture; and against a bare decode to the blur's 48 px, the least any decode does
    (the difference is the enlarging, which makes every later paint a plain copy)."""
    figures = []
    for label, (w, h), repeat in (("1920x1080", (1920, 1080), 30),
                                  ("6000x4000", (6000, 4000), 8)):
        data = _noisy_jpeg(w, h)
        got = _interleaved_ms({
            "ours": lambda d=data: render(d, RevealStep.BLURRED, DISPLAY, blur_width=BLUR_WIDTH),
            "display": lambda d=data: _bare_decode(d, DISPLAY.width()),
            "blur": lambda d=data: _bare_decode(d, BLUR_WIDTH),
        }, repeat)
        (ours, ours_cpu), (display, _), (blur, blur_cpu) = (got["ours"], got["display"],
                                                            got["blur"])
        figures += [
            Figure("ui", f"safeguarded blur, {label} JPEG (median)", ours, "ms"),
            Figure("ui", f"bare scaled decode to the display, {label} JPEG", display, "ms",
                   f"{DISPLAY.width()}x{DISPLAY.height()}"),
            Figure("ui", f"safeguarded / bare scaled decode, {label}", ours / display, "ratio",
                   "aim < 1.10"),
            Figure("ui", f"bare decode to the blur's {BLUR_WIDTH} px, {label} JPEG", blur, "ms"),
            Figure("ui", f"safeguarded / bare {BLUR_WIDTH} px decode, {label}", ours / blur,
                   "ratio", "the stricter baseline"),
            Figure("ui", f"safeguarded / bare {BLUR_WIDTH} px decode, {label}, process CPU",
                   ours_cpu / blur_cpu, "ratio", f"{ours_cpu:.1f} vs {blur_cpu:.1f} ms"),
        ]
    return figures


def _pump_until(condition: object, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        QCoreApplication.processEvents()
        if time.monotonic() > deadline:
            raise TimeoutError("the workstation did not get there in time")
        time.sleep(0.0005)


class _PlainCanvas(QWidget):
    """The least any viewer does to show a picture it already has: paint it scaled to fit."""

    def __init__(self) -> None:
        super().__init__()
        self.image = QImage()
        self.painted_ms: list[float] = []
        """How long each paintEvent took (the body; Qt's own work around it not counted)."""

    def paintEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        start = time.perf_counter()
        self._paint()
        self.painted_ms.append((time.perf_counter() - start) * 1000)

    def _paint(self) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        size = self.image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        painter.drawImage(QRectF((self.width() - size.width()) / 2,
                                 (self.height() - size.height()) / 2,
                                 size.width(), size.height()), self.image)
        painter.end()


def _renderings(made: QSize) -> list[SafeRendering]:
    """Four blurred renderings of different synthetic pictures, made for `made`."""
    return [render(encode(colourful_image(1920, 1080, seed=i), "JPEG", 90),
                   RevealStep.BLURRED, made, blur_width=BLUR_WIDTH) for i in range(4)]


def plain_paint_ms(count: int = 30, *, made: QSize = DISPLAY, canvas_size: QSize = WINDOW,
                   body: bool = False) -> list[float]:
    """Showing an already-made rendering: set it, repaint; per switch. The renderings are made
    for `made` and painted to fit a canvas of `canvas_size` (the same size: a plain copy).
    `body`: the paintEvent's own time, not the whole repaint (the backing store's share)."""
    images = [rendering.image for rendering in _renderings(made)]
    canvas = _PlainCanvas()
    canvas.resize(canvas_size)
    canvas.show()
    QCoreApplication.processEvents()
    times = []
    for i in range(count):
        start = time.perf_counter()
        canvas.image = images[i % len(images)]
        canvas.repaint()
        times.append((time.perf_counter() - start) * 1000)
    canvas.close()
    return sorted(canvas.painted_ms[-count:] if body else times)


def _percentiles(ms: list[float]) -> tuple[float, float]:
    ms = sorted(ms)
    return statistics.median(ms), ms[int(0.95 * (len(ms) - 1))]


class _NextCasePaint(QObject):
    """When the window had flushed its first paint of a case other than `after`'s: the moment
    the reviewer sees the next case (its rendering, or its warning card). The clock stops when
    the window's update that painted the viewer is done (every dirty widget painted and the
    backing store flushed), not at the viewer's own paint."""

    def __init__(self, flow: ReviewFlow, viewer: MediaViewer) -> None:
        super().__init__()
        self._flow, self._viewer = flow, viewer
        self._after: str | None = None
        self._painted = False
        self.at: float | None = None
        self.viewer_ms: list[float] = []
        """The viewer's paintEvent of each next case that showed its blurred rendering."""
        self._paint = viewer.paintEvent
        viewer.paintEvent = self._seen  # type: ignore[method-assign]
        self._window = viewer.window()
        self._window.installEventFilter(self)

    def after(self, case_id: str) -> None:
        self._after, self._painted, self.at = case_id, False, None

    def _seen(self, event: QPaintEvent) -> None:
        start = time.perf_counter()
        self._paint(event)
        took = (time.perf_counter() - start) * 1000
        current = self._flow.current
        if (current is not None and current.case.id != self._after and not self._painted
                and (self._viewer.painted_step is not None or self._viewer.interstitial)):
            self._painted = True
            if not self._viewer.interstitial:
                self.viewer_ms.append(took)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if obj is not self._window or event.type() != QEvent.Type.UpdateRequest:
            return False
        self._window.event(event)  # paints what is dirty and flushes, then the clock reads
        if self._painted and self.at is None:
            self.at = time.perf_counter()
        return True


def _read_long_enough(flow: ReviewFlow) -> bool:
    """What a reviewer's reading leaves time for is done: the case after the open one is
    cached with its first item's blur made (or there is none), and the open case's own
    background work (its sharper steps, matches, appeal, the exposure and outbox writes) has
    finished on both pools."""
    workers = flow.workers
    if workers.decode_pool.activeThreadCount() or workers.session_pool.activeThreadCount():
        return False
    nxt = flow.next_case_id(flow.current.case.id) if flow.current is not None else None
    if nxt is None:
        return True
    entry = flow.cache.get(nxt)
    return entry is not None and entry.items[0].rendered


class _GuiThreadImageWork:
    """Counts decodes and scalings of `ui.imaging` that run on the GUI thread while on: a
    switch to a prefetched case must make none (it only paints what was made)."""

    def __init__(self) -> None:
        self.on = False
        self.count = 0
        self._saved = {name: getattr(imaging, name) for name in ("_decode", "_smooth_upscale")}
        for name, fn in self._saved.items():
            setattr(imaging, name, self._counted(fn))

    def _counted(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            if self.on and threading.current_thread() is threading.main_thread():
                self.count += 1
            return fn(*args, **kwargs)
        return counted

    def close(self) -> None:
        for name, fn in self._saved.items():
            setattr(imaging, name, fn)


def next_case_figures(tmp: Path, *, prefetch: bool, decisions: int = 30) -> list[Figure]:
    """Decide (Keep) and time until the window has painted the next case (what the reviewer
    waits for; what the switch starts in the background follows that paint). The service runs
    in its own process, as it does for a workstation; the figures are split by what the next
    case showed: its blurred rendering, or the warning card that severe cases open behind."""
    db_url = f"sqlite:///{tmp / f'svc-{prefetch}.db'}"
    accounts = seed_demo(db_url, cases=0)
    add_cases(db_url, decisions + 10, media_px=(1920, 1080), decidable_as_is=True)
    image_work = _GuiThreadImageWork()
    with service_process(db_url, tmp / f"svc-{prefetch}.log") as url:
        config = ClientConfig(server_url=url, data_dir=tmp / f"client-{prefetch}",
                              keyring_service=f"reviewer-bench-{uuid.uuid4().hex[:8]}")
        ws = build_window(config, QSettings(str(tmp / "ui.ini"), QSettings.Format.IniFormat),
                          prefetch=prefetch)
        try:
            ws.session.login(*accounts.specialist)
            ws.window.resize(WINDOW)
            ws.window.show()
            ws.sync.start()
            ws.flow.start()
            ws.flow.pull(max_cases=decisions + 5)
            viewer = ws.window.viewer
            viewer_size = viewer.size()
            paints = _NextCasePaint(ws.flow, viewer)
            latencies, gui_cpu = [], []
            shown: dict[bool, list[float]] = {False: [], True: []}  # by: a warning card?
            for _ in range(decisions):
                _pump_until(lambda: ws.flow.current is not None and (
                    viewer.painted_step is not None or viewer.interstitial))
                if prefetch:  # the reviewer reads the case: what that leaves time for is done
                    _pump_until(lambda: _read_long_enough(ws.flow))
                    time.sleep(0.05)
                    QCoreApplication.processEvents()
                paints.after(ws.flow.current.case.id)
                image_work.on = prefetch
                start, cpu = time.perf_counter(), time.thread_time()
                ws.window.decision_bar.decision_actions[Action.KEEP].trigger()
                _pump_until(lambda: paints.at is not None)
                image_work.on = False
                assert paints.at is not None
                latencies.append((paints.at - start) * 1000)
                gui_cpu.append((time.thread_time() - cpu) * 1000)
                shown[viewer.interstitial].append(latencies[-1])
        finally:
            image_work.close()
            ws.shutdown()
            ws.window.close()
            ws.window.deleteLater()
            QCoreApplication.processEvents()
    label = "with prefetch" if prefetch else "without prefetch"
    p50, p95 = _percentiles(latencies)
    figures = [
        Figure("ui", f"decide-and-next to painted, {label}, p50", p50, "ms",
               "aim: one frame (16 ms) with prefetch"),
        Figure("ui", f"decide-and-next to painted, {label}, p95", p95, "ms",
               "aim: half a frame (8 ms) with prefetch" if prefetch else ""),
        Figure("ui", f"decide-and-next, {label}: GUI thread CPU, p50",
               statistics.median(gui_cpu), "ms",
               "the wall figures include waiting for a shared CPU"),
    ]
    for card, what in ((False, "its blurred rendering"), (True, "its warning card")):
        if shown[card]:
            card_p50, card_p95 = _percentiles(shown[card])
            figures.append(Figure("ui", f"  next case showing {what}, p50 / p95", card_p50, "ms",
                                  f"p95 {card_p95:.1f} ms, {len(shown[card])} cases"))
    if prefetch:
        figures.append(Figure("ui", "decide-and-next with prefetch: decodes and scalings on "
                              "the GUI thread", image_work.count, "calls", "aim: 0"))
        figures += _paint_ratios(p50, viewer_size, paints.viewer_ms)
    return figures


def viewer_alone_ms(size: QSize, count: int = 40) -> tuple[float, float]:
    """(the viewer's paint, a plain canvas's paint), medians of their paintEvent bodies: each
    alone in a window of `size`, in turn, each showing the next of four renderings made for
    that size. The viewer's own code path, without the rest of a case switch."""
    images = _renderings(size)
    subject = ExposureSubject(case_id="bench", media_id="bench",
                              harm_category=HarmCategory.OTHER, severity=Severity.LOW)
    viewer, canvas = MediaViewer(), _PlainCanvas()
    viewer_ms: list[float] = []
    paint = viewer.paintEvent

    def timed(event: QPaintEvent) -> None:
        start = time.perf_counter()
        paint(event)
        viewer_ms.append((time.perf_counter() - start) * 1000)

    viewer.paintEvent = timed  # type: ignore[method-assign]
    for widget in (viewer, canvas):
        widget.resize(size)
        widget.show()
    QCoreApplication.processEvents()
    viewer_ms.clear()
    canvas.painted_ms.clear()
    for i in range(count):
        viewer.show_item(images[i % len(images)], subject)
        viewer.repaint()
        canvas.image = images[i % len(images)].image
        canvas.repaint()
    viewer.close()
    canvas.close()
    return statistics.median(viewer_ms), statistics.median(canvas.painted_ms)


def _paint_ratios(p50: float, viewer_size: QSize, viewer_ms: list[float]) -> list[Figure]:
    """Decide-and-next against painting an already-made rendering, whole and the viewer's
    share: the window's switch (the context, the queue, the decision bar, the booking of the
    shown exposure) and the viewer's own paint of the prefetched blur."""
    # What the viewer paints: renderings made for its own size, painted as they are.
    same = statistics.median(plain_paint_ms(made=viewer_size, canvas_size=viewer_size))
    body = statistics.median(plain_paint_ms(made=viewer_size, canvas_size=viewer_size,
                                            body=True))
    # The earlier baseline: 1280x720 renderings smoothly scaled into a 1400x900 canvas.
    scaled = statistics.median(plain_paint_ms())
    figures = [
        Figure("ui", "painting an already-made rendering of the viewer's size, p50", same,
               "ms", f"{viewer_size.width()}x{viewer_size.height()}, a plain copy"),
        Figure("ui", "decide-and-next with prefetch / that plain paint, p50", p50 / same,
               "ratio", "aim < 1.5; the whole window's switch against one picture's paint"),
    ]
    alone, plain = viewer_alone_ms(viewer_size)
    figures.append(Figure(
        "ui", "  the viewer's paint of a prefetched blur / a plain paint's, each alone, p50",
        alone / plain, "ratio", f"{alone:.2f} vs {plain:.2f} ms, paintEvent bodies"))
    if viewer_ms:
        ours = statistics.median(viewer_ms)
        figures.append(Figure(
            "ui", "  the same in the switch: the next case's blur / a plain paint's, p50",
            ours / body, "ratio", f"{ours:.2f} vs {body:.2f} ms; in the whole window, "
            "after the rest of the switch"))
    figures += [
        Figure("ui", "painting a 1280x720 rendering scaled into 1400x900, p50", scaled, "ms",
               "the baseline before renderings fit the viewer"),
        Figure("ui", "decide-and-next with prefetch / that scaled paint, p50", p50 / scaled,
               "ratio", "as measured before"),
    ]
    return figures


def memory_figures(tmp: Path) -> list[Figure]:
    settings = ServiceSettings(db_url=f"sqlite:///{tmp / 'svc-mem.db'}",
                               argon2_time_cost=1, argon2_memory_kib=1024)
    accounts = seed_demo(settings.db_url, cases=0)
    add_cases(settings.db_url, 200, media_px=(1920, 1080), decidable_as_is=True)
    process = psutil.Process()
    before = process.memory_info().rss
    with start_in_thread(settings) as running:
        config = ClientConfig(server_url=running.url, data_dir=tmp / "client-mem",
                              keyring_service=f"reviewer-bench-{uuid.uuid4().hex[:8]}")
        ws = build_window(config, QSettings(str(tmp / "ui-mem.ini"), QSettings.Format.IniFormat))
        try:
            ws.session.login(*accounts.specialist)
            ws.window.show()
            for _ in range(4):
                ws.session.lease(50)
            ws.flow.pull(max_cases=1)
            _pump_until(lambda: len(ws.flow.cases) >= 200)
            for nxt in [c.id for c in ws.flow.cases[:10]]:
                ws.flow._load(nxt)
            _pump_until(lambda: len(ws.flow.cache) >= 10 and all(
                RevealStep.BLURRED in e.renderings for e in
                (ws.flow.cache.get(c.id) for c in ws.flow.cases[:10]) if e is not None),
                timeout_s=60)
            leased = len(ws.flow.cases)
            cache_mb = ws.flow.cache.used_bytes() / 2**20
            rss = process.memory_info().rss
        finally:
            ws.shutdown()
            ws.window.close()
            ws.window.deleteLater()
            QCoreApplication.processEvents()
    return [
        Figure("ui", f"resident memory, {leased} cases leased, 10 prefetched (whole process)",
               rss / 2**20, "MiB", "includes the in-process service"),
        Figure("ui", "  of which grew during the run", (rss - before) / 2**20, "MiB"),
        Figure("ui", "  render cache (bytes + renderings)", cache_mb, "MiB"),
    ]


def run() -> list[Figure]:
    qt_environment()  # as the app runs
    app = QApplication.instance() or QApplication([])
    assert app is not None
    figures = pipeline_figures()
    with tempfile.TemporaryDirectory() as tmp:
        figures += next_case_figures(Path(tmp), prefetch=True)
        figures += next_case_figures(Path(tmp), prefetch=False)
        figures += memory_figures(Path(tmp))
    return figures
