"""Synthetic demo media: strong colours, shapes and the words SIMULATED CONTENT.

No real content is ever used or shipped; these images exist so the safeguarded rendering
(grayscale, blur) is visibly at work in demos and tests.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFont

_PALETTE = [
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
    (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212),
]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def synthetic_image(
    seed: int, *, width: int = 1280, height: int = 720, fmt: str = "PNG", label: str = ""
) -> bytes:
    """A deterministic synthetic picture for `seed`, encoded as PNG or JPEG."""
    rng = random.Random(seed)
    bg = rng.choice(_PALETTE)
    img = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        colour = rng.choice(_PALETTE)
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1 = min(width, x0 + rng.randrange(width // 8 + 1, width // 2 + 2))
        y1 = min(height, y0 + rng.randrange(height // 8 + 1, height // 2 + 2))
        shape = rng.choice(("rect", "ellipse", "line"))
        if shape == "rect":
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        elif shape == "ellipse":
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.line((x0, y0, x1, y1), fill=colour, width=max(2, width // 80))
    if width >= 160:
        font = _font(max(10, width // 16))
        text = "SIMULATED CONTENT"
        box = draw.textbbox((0, 0), text, font=font)
        tx = (width - (box[2] - box[0])) // 2
        ty = (height - (box[3] - box[1])) // 2
        draw.rectangle((tx - 12, ty - 12, tx + box[2] - box[0] + 12, ty + box[3] - box[1] + 20),
                       fill=(0, 0, 0))
        draw.text((tx, ty), text, font=font, fill=(255, 255, 255))
        if label:
            small = _font(max(8, width // 40))
            draw.text((16, 16), label, font=small, fill=(0, 0, 0))
    out = io.BytesIO()
    if fmt.upper() in ("JPEG", "JPG"):
        img.save(out, format="JPEG", quality=85)
    else:
        img.save(out, format="PNG", optimize=False, compress_level=3)
    return out.getvalue()
