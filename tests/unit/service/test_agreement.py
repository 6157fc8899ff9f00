"""Percent agreement and Cohen's kappa against values worked out by hand, and the sampling
of decisions for a second review at its exact ends."""

from __future__ import annotations

import uuid

import pytest

from reviewer_app.service.agreement import NOTHING_REVIEWED, ONE_LABEL, figures, grouped
from reviewer_app.service.quality import sampled


def _pairs(**counts: int) -> list[tuple[str, str]]:
    """`remove_keep=3`: three items the first reviewer removed and the second kept."""
    return [tuple(k.split("_")) for k, n in counts.items() for _ in range(n)]  # type: ignore[misc]


def test_kappa_of_the_textbook_two_by_two() -> None:
    # 50 items: p_o = 35/50 = 0.7; first says remove 25/50, second 30/50;
    # p_e = 0.5*0.6 + 0.5*0.4 = 0.5; kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    f = figures("x", _pairs(remove_remove=20, remove_keep=5, keep_remove=10, keep_keep=15))
    assert (f.n, f.agreed, f.percent) == (50, 35, pytest.approx(70.0))
    assert f.kappa == pytest.approx(0.4)
    assert f.kappa_undefined is None


def test_kappa_with_three_labels_and_unequal_marginals() -> None:
    # 10 items: agreed 5 + 2 + 1 = 8, p_o = 0.8; first: remove 6, keep 3, label 1;
    # second: remove 6, keep 2, label 2; p_e = (6*6 + 3*2 + 1*2) / 100 = 0.44;
    # kappa = (0.8 - 0.44) / 0.56 = 0.642857...
    f = figures("x", _pairs(remove_remove=5, remove_label=1, keep_keep=2, keep_remove=1,
                            label_label=1))
    assert (f.n, f.agreed) == (10, 8)
    assert f.kappa == pytest.approx(0.642857, abs=1e-6)


def test_kappa_at_its_edges() -> None:
    opposite = figures("x", _pairs(remove_keep=1, keep_remove=1))  # p_o 0, p_e 0.5
    assert opposite.kappa == pytest.approx(-1.0)
    assert opposite.percent == 0.0
    chance_only = figures("x", _pairs(keep_keep=1, keep_remove=1))  # p_o 0.5, p_e 0.5
    assert chance_only.kappa == pytest.approx(0.0)
    one_label = figures("x", _pairs(keep_keep=4))  # p_e == 1: 0/0
    assert (one_label.percent, one_label.kappa, one_label.kappa_undefined) == (
        100.0, None, ONE_LABEL)
    none = figures("x", [])
    assert (none.n, none.percent, none.kappa, none.kappa_undefined) == (
        0, None, None, NOTHING_REVIEWED)


def test_grouped_figures_are_per_key_in_order() -> None:
    rows = [("b", "keep", "keep"), ("a", "remove", "keep"), ("b", "keep", "remove")]
    assert [(f.key, f.n, f.agreed) for f in grouped(rows)] == [("a", 1, 0), ("b", 2, 1)]


def test_sampling_is_exact_at_0_and_100_and_repeatable_between() -> None:
    ids = [str(uuid.UUID(int=i)) for i in range(400)]
    assert not any(sampled(i, 0) for i in ids)
    assert all(sampled(i, 100) for i in ids)
    half = [i for i in ids if sampled(i, 50)]
    assert 120 < len(half) < 280  # a hash, not a coin: the same ids every run
    assert half == [i for i in ids if sampled(i, 50)]
    assert set(i for i in ids if sampled(i, 10)) <= set(half)
