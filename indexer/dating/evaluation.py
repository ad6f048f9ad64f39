"""Scoring period estimates, and the two baselines `evaluate_dating` compares against.

A truth is a period, i.e. a range of years: the interval's coverage of it is the share of the
period's years inside the interval (the truth year taken as uniform over its period), and the
error in years is between the interval's midpoint and the period's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from .votes import PeriodSpan, interval, year_density


def score(
    probs: np.ndarray,
    periods: Sequence[PeriodSpan],
    truth: str,
    span: Sequence[int] | None,
    abstained: bool = False,
) -> dict:
    """top1, top3, abs_error (years), coverage (0..1) and abstained, for one estimate."""
    slugs = [p.slug for p in periods]
    order = [slugs[i] for i in np.argsort(-np.asarray(probs), kind="stable")]
    true = periods[slugs.index(truth)]
    result = {"top1": order[0] == truth, "top3": truth in order[:3], "abstained": abstained}
    if span is None:
        result.update(abs_error=None, coverage=0.0)
        return result
    low, high = span
    inside = max(0, min(high, true.end) - max(low, true.start) + 1)
    result["coverage"] = inside / (true.end - true.start + 1)
    result["abs_error"] = abs((low + high) / 2 - (true.start + true.end) / 2)
    return result


def summary(rows: Iterable[dict]) -> dict:
    """Means over the scored estimates: top-1 and top-3 accuracy, MAE in years, 80%-interval
    coverage, abstention rate; and the same over the estimates that did not abstain."""
    rows = list(rows)
    if not rows:
        return {"n": 0}
    answered = [r for r in rows if not r["abstained"]]

    def means(group: list[dict]) -> dict:
        errors = [r["abs_error"] for r in group if r["abs_error"] is not None]
        return {
            "top1": round(float(np.mean([r["top1"] for r in group])), 4) if group else None,
            "top3": round(float(np.mean([r["top3"] for r in group])), 4) if group else None,
            "mae_years": round(float(np.mean(errors)), 1) if errors else None,
            "coverage_80": round(float(np.mean([r["coverage"] for r in group])), 4)
            if group
            else None,
        }

    return {
        "n": len(rows),
        **means(rows),
        "abstention_rate": round(1 - len(answered) / len(rows), 4),
        "answered": {"n": len(answered), **means(answered)},
    }


def span_of(probs: np.ndarray, periods: Sequence[PeriodSpan], level: float = 0.8) -> list[int]:
    years, density = year_density(probs, periods)
    return list(interval(years, density, level))


def majority(pool: Sequence[str], periods: Sequence[PeriodSpan]) -> np.ndarray:
    """The majority-period baseline: the training murals' period frequencies."""
    counts = Counter(pool)
    probs = np.array([counts.get(p.slug, 0) for p in periods], dtype=float)
    return probs / probs.sum() if probs.sum() else np.full(len(periods), 1 / len(periods))


def histogram_nn(
    target: np.ndarray,
    pool: Sequence[tuple[np.ndarray, str]],
    periods: Sequence[PeriodSpan],
    k: int = 5,
) -> np.ndarray:
    """The colour-histogram nearest-neighbour baseline: the k training murals of most similar
    histogram (intersection) vote for their periods, the nearest most (1/rank)."""
    if not pool:
        return np.full(len(periods), 1 / len(periods))
    similarity = np.array([np.minimum(target, h).sum() for h, _ in pool])
    slugs = [p.slug for p in periods]
    probs = np.zeros(len(periods))
    for rank, i in enumerate(np.argsort(-similarity, kind="stable")[:k], 1):
        probs[slugs.index(pool[i][1])] += 1 / rank
    return probs / probs.sum()
