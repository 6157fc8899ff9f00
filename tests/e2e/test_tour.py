"""The real app as a subprocess under Xvfb: `reviewer-app --tour DIR` works a synthetic queue
end to end, and its screenshots show the safeguards working."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageChops

pytestmark = pytest.mark.e2e


def saturation(path: Path) -> int:
    """The largest max(R,G,B) - min(R,G,B) in the picture: 0 for gray (the dark theme's
    background, #202225, gives 5)."""
    with Image.open(path) as image:
        r, g, b = image.convert("RGB").split()
    top = ImageChops.lighter(ImageChops.lighter(r, g), b)
    bottom = ImageChops.darker(ImageChops.darker(r, g), b)
    return int(ImageChops.subtract(top, bottom).getextrema()[1])


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed")
def test_the_tour_works_the_queue_under_xvfb(tmp_path: Path) -> None:
    out = tmp_path / "tour"
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    env.pop("DISPLAY", None)
    run = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, "-m",
         "reviewer_app", "--tour", str(out), "--cases", "6"],
        capture_output=True, text=True, env=env, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "tour: decided 6 cases" in run.stdout
    assert "pending: 0" in run.stdout
    shots = sorted(p.name for p in out.glob("*.png"))
    for step in ("queue-and-case", "blurred", "sharp-gray", "colour",
                 "all-decided-and-synced", "self-initiated-break"):
        assert any(step in name for name in shots), f"no screenshot of {step}: {shots}"
    viewer = out / "viewer"
    blurred = [viewer / n for n in shots if n.endswith("-blurred.png")]
    assert blurred
    for path in blurred:
        assert saturation(path) <= 8, f"{path.name}: colour on screen before any reveal"
    gray = next(viewer / n for n in shots if n.endswith("-sharp-gray.png"))
    assert saturation(gray) <= 8
    colour = next(viewer / n for n in shots if n.endswith("-colour.png"))
    assert saturation(colour) > 100, "the colour step should show the synthetic colours"
