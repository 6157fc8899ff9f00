"""A policy as fields, for the editor's checks, its diff and the merge after a 412. Qt-free.

A policy (as JSON) is flattened to one value per field path: `display.blur_strength`,
`display_by_category.child_safety.blur_strength`, and `caps[<cap key>]` for each cap (a cap's
key names what it counts, so the same cap in two versions is the same field even when their
order differs). `version` is the service's to set and is never a field here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from safeguards import Cap, ExposurePolicy

Flat = dict[str, Any]
_SKIPPED = frozenset({"version", "schema_version"})


def cap_key(cap: dict[str, Any]) -> str:
    """The engine's Cap.key for a cap as JSON; a cap too broken to have one keeps its index."""
    try:
        return Cap.model_validate(cap).key
    except ValidationError:
        cats = "+".join(sorted(str(c) for c in cap.get("categories") or ())) or "*"
        return (f"{cats}:sev{cap.get('min_severity', 0)}+:{cap.get('window')}:"
                f"{cap.get('measure')}")


def flatten(policy: dict[str, Any]) -> Flat:
    """One value per field path; unset per-category values are left out (they mean "the
    team's default")."""
    flat: Flat = {}
    for name, value in policy.items():
        if name in _SKIPPED:
            continue
        if name == "caps":
            for cap in value or ():
                flat[f"caps[{cap_key(cap)}]"] = dict(cap)
        elif name == "display_by_category":
            for category, settings in (value or {}).items():
                for field, own in (settings or {}).items():
                    if own is not None:
                        flat[f"display_by_category.{category}.{field}"] = own
        elif isinstance(value, dict):
            for field, own in value.items():
                flat[f"{name}.{field}"] = own
        else:
            flat[name] = value
    return flat


def unflatten(flat: Flat, like: dict[str, Any]) -> dict[str, Any]:
    """A policy as JSON from field values; fields absent from `flat` are dropped, and the
    parts `flatten` skips are taken from `like` (the policy being replaced)."""
    policy: dict[str, Any] = {k: v for k, v in like.items() if k in _SKIPPED}
    caps: list[dict[str, Any]] = []
    by_category: dict[str, dict[str, Any]] = {}
    for path, value in flat.items():
        if value is None:
            continue
        if path.startswith("caps["):
            caps.append(dict(value))
        elif path.startswith("display_by_category."):
            _, category, field = path.split(".", 2)
            by_category.setdefault(category, {})[field] = value
        elif "." in path:
            section, field = path.split(".", 1)
            policy.setdefault(section, {})[field] = value
        else:
            policy[path] = value
    policy["caps"] = caps
    policy["display_by_category"] = by_category
    return policy


@dataclass(frozen=True)
class Change:
    path: str
    old: Any
    new: Any


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """What `new` changes against `old`, field by field, in a stable order."""
    a, b = flatten(_normal(old)), flatten(_normal(new))
    return [Change(p, a.get(p), b.get(p)) for p in _paths(a, b) if a.get(p) != b.get(p)]


def _paths(*flats: Flat) -> list[str]:
    seen: dict[str, None] = {}
    for flat in flats:
        seen.update(dict.fromkeys(flat))
    return sorted(seen, key=lambda p: (p.startswith("caps["), p))


def _normal(policy: dict[str, Any]) -> dict[str, Any]:
    """The policy as the engine writes it (defaults filled, lists sorted), when it is valid,
    so that a diff shows real changes and not spellings."""
    try:
        return ExposurePolicy.model_validate(policy).model_dump(mode="json")
    except ValidationError:
        return policy


@dataclass(frozen=True)
class MergeField:
    """One field of a three-way merge; `pick` is "base", "theirs" or "yours"."""

    path: str
    base: Any
    theirs: Any
    yours: Any

    @property
    def conflict(self) -> bool:
        return self.theirs != self.base and self.yours != self.base and self.theirs != self.yours

    @property
    def suggested(self) -> str:
        """Theirs where only they changed it, yours where only you did; yours on a conflict
        (the lead is asked to look at every conflict before saving)."""
        return "theirs" if self.yours == self.base and self.theirs != self.base else "yours"

    def value(self, pick: str) -> Any:
        return {"base": self.base, "theirs": self.theirs, "yours": self.yours}[pick]


def merge_fields(base: dict[str, Any], theirs: dict[str, Any],
                 yours: dict[str, Any]) -> list[MergeField]:
    """Every field that differs between any two of the three versions."""
    b, t, y = (flatten(_normal(p)) for p in (base, theirs, yours))
    fields = [MergeField(p, b.get(p), t.get(p), y.get(p)) for p in _paths(b, t, y)]
    return [f for f in fields if not (f.base == f.theirs == f.yours)]


def merged(theirs: dict[str, Any], fields: list[MergeField], picks: dict[str, str]) -> dict[
        str, Any]:
    """Theirs, with each merge field set to the version picked for it."""
    flat = flatten(_normal(theirs))
    for field in fields:
        flat[field.path] = field.value(picks.get(field.path, field.suggested))
    return unflatten(flat, theirs)


def problems(policy: dict[str, Any]) -> dict[str, str]:
    """The engine's own messages, by field path (`caps[2].limit` for a cap's field by its
    index; a section's own rule under the section's name, "" for the whole policy)."""
    try:
        ExposurePolicy.model_validate(policy)
    except ValidationError as exc:
        found: dict[str, str] = {}
        for error in exc.errors():
            path = error_path(error.get("loc", ()))
            message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
            found[path] = f"{found[path]}; {message}" if path in found else message
        return found
    return {}


def error_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """A pydantic error location as the editor's field path: ("caps", 2, "limit") ->
    "caps[2].limit", ("display", "blur_strength") -> "display.blur_strength"."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int) and parts:
            parts[-1] = f"{parts[-1]}[{item}]"
        else:
            parts.append(str(item))
    return ".".join(parts)
