"""Renders resources/icons/reviewer-app.svg to the PNG sizes the desktop entry and the .deb's
hicolor theme use (16 to 512 px), and from those the Windows .ico and the macOS .icns
(Pillow, in the `package` extra).

    .venv/bin/python scripts/make_icons.py          # rewrite the PNGs
    .venv/bin/python scripts/make_icons.py --check  # exit 1 when a PNG is missing or stale
    python scripts/make_icons.py --ico build/icons/reviewer-app.ico    # Windows build machine
    python scripts/make_icons.py --icns build/icons/reviewer-app.icns  # macOS build machine

The PNGs are committed (about 70 KB together); the .ico and .icns are made where they are
used (packaging/README.md).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SVG = ICONS / "reviewer-app.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def png_path(size: int) -> Path:
    return ICONS / f"reviewer-app-{size}.png"


def write_ico(target: Path) -> None:
    """Windows: the executables' and the installer's icon (16 to 256 px in one file)."""
    from PIL import Image

    largest = Image.open(png_path(256))
    largest.save(target, format="ICO", sizes=[(s, s) for s in SIZES if s <= 256])


def write_icns(target: Path) -> None:
    """macOS: Reviewer.app's icon."""
    from PIL import Image

    Image.open(png_path(512)).save(target, format="ICNS")


def render(size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {SVG} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the PNGs")
    parser.add_argument("--ico", type=Path, help="also write the Windows .ico here")
    parser.add_argument("--icns", type=Path, help="also write the macOS .icns here")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (fonts, image IO)
    stale = []
    for size in SIZES:
        data = render(size)
        target = png_path(size)
        if args.check:
            if not target.exists() or target.read_bytes() != data:
                stale.append(target.name)
        else:
            target.write_bytes(data)
            print(f"make_icons: {target.relative_to(ICONS.parents[1])} ({len(data)} bytes)")
    for target, write in ((args.ico, write_ico), (args.icns, write_icns)):
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            write(target)
            print(f"make_icons: {target}")
    if stale:
        print(f"make_icons: stale or missing: {', '.join(stale)} (run scripts/make_icons.py)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
