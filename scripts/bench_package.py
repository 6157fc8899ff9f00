"""The packaging benchmark (`make package` runs it last): the sizes of both .deb files and
their installed sizes, and start to first window of the frozen workstation against
`python -m reviewer_app` of the same source, measured in the same run under one Xvfb.

"First window": from the moment the process is started to the moment a top-level window of
it is viewable on the X server (polled with XQueryTree through libX11, every 5 ms). Both are
started the same way (`--server` of a port nobody listens on, so each opens its sign-in
window and touches no network first), alternately, `--runs` times each; the medians and
their ratio are printed (frozen / python -m: below 1 means the frozen build starts faster).
Run it under a dbus session with an unlocked keyring (scripts/package.sh does), as the
workstation reads the keyring before it shows the sign-in.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WINDOW_TIMEOUT_S = 60.0


class XWindowAttributes(ctypes.Structure):
    _fields_ = [  # noqa: RUF012 (ctypes' own protocol)
        ("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int),
        ("height", ctypes.c_int), ("border_width", ctypes.c_int), ("depth", ctypes.c_int),
        ("visual", ctypes.c_void_p), ("root", ctypes.c_ulong), ("class_", ctypes.c_int),
        ("bit_gravity", ctypes.c_int), ("win_gravity", ctypes.c_int),
        ("backing_store", ctypes.c_int), ("backing_planes", ctypes.c_ulong),
        ("backing_pixel", ctypes.c_ulong), ("save_under", ctypes.c_int),
        ("colormap", ctypes.c_ulong), ("map_installed", ctypes.c_int),
        ("map_state", ctypes.c_int), ("all_event_masks", ctypes.c_long),
        ("your_event_mask", ctypes.c_long), ("do_not_propagate_mask", ctypes.c_long),
        ("override_redirect", ctypes.c_int), ("screen", ctypes.c_void_p),
    ]


IS_VIEWABLE = 2


class XServer:
    """Just enough of libX11 to ask: is any top-level window viewable yet?"""

    def __init__(self, display: str) -> None:
        self.x = ctypes.CDLL("libX11.so.6")
        self.x.XOpenDisplay.restype = ctypes.c_void_p
        self.x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.x.XDefaultRootWindow.restype = ctypes.c_ulong
        self.x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        self.x.XQueryTree.argtypes = [
            ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
            ctypes.POINTER(ctypes.c_uint)]
        self.x.XGetWindowAttributes.argtypes = [
            ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(XWindowAttributes)]
        self.x.XFree.argtypes = [ctypes.c_void_p]
        self.dpy = self.x.XOpenDisplay(display.encode())
        if not self.dpy:
            raise SystemExit(f"bench_package: cannot open X display {display}")
        self.root = self.x.XDefaultRootWindow(self.dpy)

    def viewable_windows(self) -> int:
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        children = ctypes.POINTER(ctypes.c_ulong)()
        count = ctypes.c_uint()
        if not self.x.XQueryTree(self.dpy, self.root, ctypes.byref(root), ctypes.byref(parent),
                                 ctypes.byref(children), ctypes.byref(count)):
            return 0
        found = 0
        try:
            for i in range(count.value):
                attrs = XWindowAttributes()
                if (self.x.XGetWindowAttributes(self.dpy, children[i], ctypes.byref(attrs))
                        and attrs.map_state == IS_VIEWABLE and not attrs.override_redirect
                        and attrs.width > 50 and attrs.height > 50):
                    found += 1
        finally:
            if children:
                self.x.XFree(children)
        return found


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as fh:
        number = fh.readline().strip()
    if not number:
        raise SystemExit("bench_package: Xvfb did not start")
    return xvfb, f":{number}"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def time_to_window(command: list[str], display: str, server: XServer, workdir: Path) -> float:
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    data_dir = Path(tempfile.mkdtemp(dir=workdir))
    url = f"http://127.0.0.1:{closed_port()}"
    before = server.viewable_windows()
    t0 = time.monotonic()
    proc = subprocess.Popen([*command, "--server", url, "--data-dir", str(data_dir)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while server.viewable_windows() <= before:
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise SystemExit(f"bench_package: {command[0]} exited ({proc.returncode}) "
                                 f"before showing a window:\n{err[-2000:]}")
            if time.monotonic() - t0 > WINDOW_TIMEOUT_S:
                raise SystemExit(f"bench_package: no window from {command[0]} in "
                                 f"{WINDOW_TIMEOUT_S:.0f} s")
            time.sleep(0.005)
        return time.monotonic() - t0
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        while server.viewable_windows() > before:  # the next run starts on an empty screen
            time.sleep(0.01)


def deb_sizes(debs: list[Path]) -> dict[str, dict[str, float]]:
    sizes = {}
    for deb in debs:
        kib = subprocess.run(["dpkg-deb", "-f", str(deb), "Installed-Size"], check=True,
                             capture_output=True, text=True).stdout.strip()
        sizes[deb.name] = {"deb_mib": deb.stat().st_size / 2**20, "installed_mib": int(kib) / 1024}
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frozen", type=Path, required=True, help="the frozen reviewer-app")
    parser.add_argument("--debs", type=Path, nargs="*", default=[])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()

    commands = {"frozen": [str(args.frozen)],
                "python -m": [str(ROOT / ".venv" / "bin" / "python"), "-m", "reviewer_app"]}
    xvfb, display = start_xvfb()
    times: dict[str, list[float]] = {name: [] for name in commands}
    try:
        server = XServer(display)
        with tempfile.TemporaryDirectory(prefix="bench-package-") as tmp:
            for command in commands.values():  # one unmeasured start each: disk cache
                time_to_window(command, display, server, Path(tmp))
            for run in range(args.runs):
                order = list(commands) if run % 2 == 0 else list(reversed(commands))
                for name in order:
                    times[name].append(time_to_window(commands[name], display, server,
                                                      Path(tmp)))
    finally:
        xvfb.terminate()
        xvfb.wait(10)

    medians = {name: statistics.median(values) for name, values in times.items()}
    ratio = medians["frozen"] / medians["python -m"]
    figures = {"start_to_first_window_s": times, "median_s": medians,
               "ratio_frozen_over_python_m": ratio, "debs": deb_sizes(args.debs)}
    print(f"   start to first window, median of {args.runs} (runs: "
          + "; ".join(f"{n} {', '.join(f'{t:.2f}' for t in v)}" for n, v in times.items())
          + ")")
    print(f"   frozen {medians['frozen']:.2f} s, python -m {medians['python -m']:.2f} s: "
          f"ratio frozen / python -m = {ratio:.2f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
        print(f"   figures in {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
