"""Agreement between two reviewers over the same items: percent agreement and Cohen's kappa.

kappa = (p_o - p_e) / (1 - p_e), where p_o is the share of items both labelled alike and p_e
the agreement expected by chance from each reviewer's own label shares (the marginals):
p_e = sum over labels of (first's share of that label) * (second's share of it). When p_e is 1
(both reviewers used one and the same label for every item) kappa is 0/0: undefined, and
said so rather than guessed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from reviewer_app.contract import AgreementFigures

NOTHING_REVIEWED = "no second reviews yet"
ONE_LABEL = ("chance agreement is 1 (both reviewers gave every item the same single "
             "label), so kappa is undefined")


def figures(key: str, pairs: Sequence[tuple[str, str]]) -> AgreementFigures:
    """n, agreed, percent and kappa for (first label, second label) pairs."""
    n = len(pairs)
    if n == 0:
        return AgreementFigures(key=key, n=0, agreed=0, kappa_undefined=NOTHING_REVIEWED)
    agreed = sum(1 for a, b in pairs if a == b)
    p_o = agreed / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    chance = sum(first[label] * second[label] for label in first)  # p_e * n * n, exact
    percent = 100.0 * p_o
    if chance == n * n:
        return AgreementFigures(key=key, n=n, agreed=agreed, percent=percent,
                                kappa_undefined=ONE_LABEL)
    p_e = chance / (n * n)
    return AgreementFigures(key=key, n=n, agreed=agreed, percent=percent,
                            kappa=(p_o - p_e) / (1.0 - p_e))


def grouped(rows: Iterable[tuple[str, str, str]]) -> list[AgreementFigures]:
    """Figures per key for (key, first label, second label) rows, by key."""
    by_key: dict[str, list[tuple[str, str]]] = {}
    for key, a, b in rows:
        by_key.setdefault(key, []).append((a, b))
    return [figures(key, pairs) for key, pairs in sorted(by_key.items())]
