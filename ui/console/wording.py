"""How the console says things: what each policy field means, blur strength in words, times
in hours and minutes, severities and harm categories by name. Qt-free.

A field's meaning comes from the model itself where it has one (its Field description, or
the docstring under the attribute in safeguards/); the guide's wording (docs/wellness-
policy.md) fills in the rest, so every field has a sentence beside it.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from typing import Any

from pydantic import BaseModel

from reviewer_app.domain import HarmCategory
from safeguards import BLUR_LEVELS, BLUR_WIDTHS

SEVERITY_NAMES = {0: "none", 1: "low", 2: "moderate", 3: "high", 4: "severe"}

GUIDE: dict[str, str] = {
    "name": "A short name for this policy, e.g. emea_child_safety.",
    "description": "What the policy is for, and that its numbers are starting points.",
    "service_day_utc_offset_minutes": "Where the team's day starts: daily and weekly counters "
    "reset at this fixed offset from UTC (weeks start on Monday). It does not follow "
    "daylight saving time.",
    "display.grayscale": "Media appears in grayscale until the reviewer reveals colour.",
    "display.blur_strength": "How strongly media is blurred before a reveal: the picture is "
    "shrunk to a small width, then enlarged again; a smaller width is a stronger blur.",
    "display.reveal_modes": "How a reviewer may unblur: hold a key (hidden again on "
    "release), a lens that sharpens only the area under the pointer, or stepped (blurred "
    "grayscale, then sharp grayscale, then colour). At least one.",
    "display.auto_reblur_seconds": "A revealed picture blurs again by itself after this long.",
    "display.audio_muted": "Audio starts muted.",
    "display.video_autoplay": "Video plays by itself (off: paused on a blurred first frame).",
    "display.warning_from_severity": "A category warning comes before media of this "
    "severity or higher.",
    "display.colour_allowed": "Whether the stepped reveal may go on to colour.",
    "display.outline_offered": "Offer an outline step (edges only) between the blur and sharp "
    "grayscale. Studies found outline renderings reduced distress while keeping content "
    "judgeable.",
    "breaks.work_interval_minutes": "Reviewing time before a scheduled break. Time with no "
    "case open does not count.",
    "breaks.break_minutes": "Length of the scheduled break (at least a minute). Breaks the "
    "tool imposes cannot be ended early by anyone.",
    "breaks.micro_break_seconds": "A short pause after a reveal of the severity below.",
    "breaks.micro_break_from_severity": "Which reveals bring a micro-break.",
    "breaks.graphic_daily_limit_minutes": "Time per day with media from the graphic "
    "categories on screen (blurred or revealed). At the limit, graphic work ends for the day; "
    "other work may go on.",
    "breaks.graphic_categories": "Which harm categories count as graphic.",
    "breaks.action_at_cap": "What reaching a cap does, unless the cap says otherwise.",
    "assignment.dose_aware": "Spread the hardest cases across the team.",
    "assignment.severe_from_severity": "Severity from which a case counts as severe.",
    "caps": "Exposure limits. Each counts items shown, items revealed or seconds revealed in "
    "some categories from some severity, per rolling hour, service day or week. At a cap its "
    "categories close until the window frees them; a warning comes at 80%. Reaching a cap "
    "carries no penalty.",
    "display_by_category": "Display settings for one harm category that replace the team's "
    "defaults (for example a stronger blur for child safety). Personal settings can still "
    "only make them safer.",
    "overrides": "Exceptions granted earlier, each with a reason and an end.",
}

CAP_ACTIONS = {
    None: "the team's default action",
    "stop_category": "stop leasing these categories until the window frees",
    "force_break": "stop these categories and start an enforced break",
    "end_graphic_shift": "end the day's work in every graphic category",
}
WINDOWS = {"hour": "per rolling hour", "day": "per service day", "week": "per week"}
MEASURES = {"shown": "items shown", "revealed": "items revealed",
            "seconds_revealed": "time revealed"}
BLUR_WORDS = {
    1: "faint", 2: "very light", 3: "light", 4: "light to medium", 5: "medium", 6: "strong",
    7: "stronger", 8: "very strong", 9: "maximum", 10: "beyond maximum",
}
_NAMED = {level: name for name, level in BLUR_LEVELS.items()}


def blur_words(strength: int) -> str:
    """Blur strength as a lead reads it: "strong (6 of 10: shrunk to 40 px wide)"."""
    if strength not in BLUR_WIDTHS:
        return f"{strength} is not a blur strength (1 to 10)"
    word = _NAMED.get(strength, BLUR_WORDS[strength])
    return f"{word} ({strength} of 10: shrunk to {BLUR_WIDTHS[strength]} px wide)"


def severity_text(severity: int) -> str:
    return f"{severity} {SEVERITY_NAMES.get(severity, '?')}"


def category_text(category: HarmCategory | str) -> str:
    return str(category).replace("_", " ").capitalize()


def clock_text(seconds: float) -> str:
    """`1:05:09`: h:mm:ss, for tables and exports."""
    total = int(round(max(0.0, seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def span_text(seconds: float) -> str:
    """A span as a person reads it: `45 s`, `12 min 30 s`, `1 h 5 min` (never raw minutes)."""
    total = int(round(max(0.0, seconds)))
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def offset_text(minutes: int) -> str:
    """`UTC-5:00`, `UTC+5:45`."""
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}:{mins:02d}"


def value_text(path: str, value: Any) -> str:
    """A policy value in words, for diffs and the merge view."""
    if value is None:
        if path.startswith("display_by_category"):
            return "(not set: the team's default)"
        return "no daily limit" if path.endswith("graphic_daily_limit_minutes") else "(none)"
    leaf = path.rsplit(".", 1)[-1]
    if isinstance(value, bool):
        return "on" if value else "off"
    if leaf == "blur_strength" and isinstance(value, int):
        return blur_words(value)
    if leaf.endswith("_minutes") and isinstance(value, int | float) and leaf != \
            "service_day_utc_offset_minutes":
        return span_text(float(value) * 60)
    if leaf.endswith("_seconds") and isinstance(value, int | float):
        return span_text(float(value))
    if leaf == "service_day_utc_offset_minutes" and isinstance(value, int):
        return offset_text(value)
    if leaf.endswith("severity") and isinstance(value, int):
        return severity_text(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return cap_text(value) if "window" in value and "measure" in value else str(value)
    return str(value)


def cap_text(cap: dict[str, Any]) -> str:
    """A cap in words: "at most 20 items revealed per service day, child safety, sev 4+"."""
    cats = ", ".join(category_text(c) for c in cap.get("categories") or ()) or "all categories"
    measure = str(cap.get("measure"))
    limit = cap.get("limit", 0)
    amount = span_text(float(limit)) if measure == "seconds_revealed" else str(limit)
    action = CAP_ACTIONS.get(cap.get("action"), str(cap.get("action")))
    return (f"at most {amount} {MEASURES.get(measure, measure)} "
            f"{WINDOWS.get(str(cap.get('window')), '')}, {cats}, severity "
            f"{cap.get('min_severity', 0)}+; then {action}")


@functools.cache
def _attribute_docs(model: type[BaseModel]) -> dict[str, str]:
    """The docstrings written under a model's attributes (source needed; none when frozen)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(model)))
    except (OSError, TypeError, SyntaxError):
        return {}
    docs: dict[str, str] = {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    for node, after in zip(body, body[1:], strict=False):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)):
            docs[node.target.id] = " ".join(after.value.value.split())
    return docs


def meaning(path: str, model: type[BaseModel] | None = None) -> str:
    """What the field at `path` (e.g. "breaks.break_minutes") means: the guide's sentence and
    the model's own description or attribute docstring."""
    guide = GUIDE.get(path, "")
    own = ""
    if model is not None:
        name = path.rsplit(".", 1)[-1]
        info = model.model_fields.get(name)
        own = (info.description if info is not None and info.description else "") or \
            _attribute_docs(model).get(name, "")
    if own and own.rstrip(".") not in guide:
        return f"{guide} {own}".strip()
    return guide or own
