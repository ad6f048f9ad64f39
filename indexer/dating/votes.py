"""Votes of dated neighbours → a distribution over periods, an interval in years, and flags.

Pure functions (no Django): the assistant (dunhuang_search/dating/assistant.py) and
`evaluate_dating` both call them.

- `combine`: similarity × category weight per vote, summed per period;
- `smooth`: a share of each period's mass goes to its chronological neighbours (periods next to
  each other look alike, and the period borders are themselves arguable);
- `year_density` / `interval`: each period's mass spread evenly over its years, clipped to the
  years dated inscriptions allow; the central interval holding `level` of the mass;
- `mixed_votes`: elements whose own votes point to different periods (possible repainting).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

SMOOTHING = 0.2  # share of a period's mass passed on, half to each chronological neighbour
PRIOR = 0.02  # mass every period keeps, so no period is impossible on visual votes alone
MAX_INTERVAL_YEARS = 250  # wider 80% intervals are "insufficient evidence"
TEMPERATURE = 0.05  # of similarity: a neighbour 0.05 less similar than the best counts 1/e


@dataclass(frozen=True)
class PeriodSpan:
    slug: str
    start: int
    end: int

    @property
    def years(self) -> range:
        return range(self.start, self.end + 1)


WALL = 0  # the target id of palette votes: the wall itself (element ids start at 1)


@dataclass(frozen=True)
class Vote:
    element_id: int  # the target's element (or dense window); WALL for palette votes
    neighbour_id: int  # an element; for palette votes, a mural
    period: str  # the neighbour's period slug
    cave: int | str
    similarity: float
    weight: float  # the target element's category weight
    kind: str = "element"  # or "palette": the wall's colours against a dated wall's


def vote_strength(vote: Vote) -> float:
    return max(vote.similarity, 0.0) * vote.weight


def combine(votes: Iterable[Vote], periods: Sequence[PeriodSpan]) -> np.ndarray:
    """Summed vote strength per period, in the order of `periods`."""
    index = {p.slug: i for i, p in enumerate(periods)}
    scores = np.zeros(len(periods))
    for vote in votes:
        if vote.period in index:
            scores[index[vote.period]] += vote_strength(vote)
    return scores


def element_shares(
    votes: Iterable[Vote], periods: Sequence[PeriodSpan], temperature: float = TEMPERATURE
) -> dict[int, np.ndarray]:
    """Each target element's one vote, shared among its neighbours' periods by similarity:
    exp((similarity - best) / temperature), normalised to sum 1."""
    index = {p.slug: i for i, p in enumerate(periods)}
    by_element: dict[int, list[Vote]] = defaultdict(list)
    for vote in votes:
        if vote.period in index:
            by_element[vote.element_id].append(vote)
    shares = {}
    for element_id, element_votes in by_element.items():
        best = max(v.similarity for v in element_votes)
        share = np.zeros(len(periods))
        for v in element_votes:
            share[index[v.period]] += np.exp((v.similarity - best) / temperature)
        shares[element_id] = share / share.sum()
    return shares


def combine_by_category(
    votes: Sequence[Vote],
    categories: dict[int, str],
    periods: Sequence[PeriodSpan],
    temperature: float = TEMPERATURE,
) -> np.ndarray:
    """Per-period scores: each category's mean element share, times the category's weight
    (the votes' weight), summed over categories; a category of many elements (a wall of
    thousand Buddhas) counts once, as much as its weight says."""
    weight_of = {v.element_id: v.weight for v in votes}
    per_category: dict[str, list[np.ndarray]] = defaultdict(list)
    weights: dict[str, float] = {}
    for element_id, share in element_shares(votes, periods, temperature).items():
        category = categories.get(element_id, "")
        per_category[category].append(share)
        weights[category] = weight_of[element_id]
    scores = np.zeros(len(periods))
    for category, shares in per_category.items():
        scores += weights[category] * np.mean(shares, axis=0)
    return scores


def smooth(scores: np.ndarray, amount: float = SMOOTHING) -> np.ndarray:
    """Each period keeps 1 - amount of its score and gives amount/2 to each neighbour (all of
    it to the one neighbour at either end)."""
    n = len(scores)
    if n < 2 or amount <= 0:
        return scores.astype(float)
    out = scores * (1 - amount)
    for i, value in enumerate(scores):
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < n]
        for j in neighbours:
            out[j] += value * amount / len(neighbours)
    return out


def distribution(scores: np.ndarray, prior: float = PRIOR) -> np.ndarray:
    """Scores → probabilities, with `prior` of the mass spread evenly; uniform without votes."""
    n = len(scores)
    total = scores.sum()
    if n == 0:
        return scores
    if total <= 0:
        return np.full(n, 1.0 / n)
    return (1 - prior) * scores / total + prior / n


def allowed_years(bounds: Sequence[Sequence[int]]) -> set[int] | None:
    """The years every dated inscription allows (each gives the set of its readings' years);
    None when there are none. Contradicting inscriptions (an empty intersection) allow the
    union instead."""
    sets = [set(b) for b in bounds if b]
    if not sets:
        return None
    common = set.intersection(*sets)
    return common or set.union(*sets)


def year_density(
    probs: np.ndarray, periods: Sequence[PeriodSpan], allowed: set[int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(years, density): each period's probability spread evenly over its years, zero outside
    `allowed`; normalised. Periods that share a border year both put mass on it."""
    first = min(p.start for p in periods)
    last = max(p.end for p in periods)
    years = np.arange(first, last + 1)
    density = np.zeros(len(years))
    for p, prob in zip(periods, probs, strict=True):
        density[p.start - first : p.end - first + 1] += prob / (p.end - p.start + 1)
    if allowed is not None:
        mask = np.isin(years, sorted(allowed))
        if density[mask].sum() <= 0:  # an inscription outside every period: trust it evenly
            density = mask.astype(float)
        else:
            density = density * mask
    total = density.sum()
    return years, density / total if total > 0 else density


def clipped(
    probs: np.ndarray, periods: Sequence[PeriodSpan], allowed: set[int] | None
) -> np.ndarray:
    """The distribution over periods with the years outside `allowed` removed."""
    if allowed is None:
        return probs
    years, density = year_density(probs, periods, allowed)
    first = years[0]
    out = np.array(
        [density[p.start - first : p.end - first + 1].sum() for p in periods], dtype=float
    )
    total = out.sum()
    return out / total if total > 0 else probs


def interval(years: np.ndarray, density: np.ndarray, level: float = 0.8) -> tuple[int, int]:
    """The central interval holding `level` of the mass: from the (1-level)/2 quantile to the
    (1+level)/2 quantile of the year density."""
    cdf = np.cumsum(density)
    low_q, high_q = (1 - level) / 2, (1 + level) / 2
    low = int(years[np.searchsorted(cdf, low_q, side="right")])
    high = int(years[min(np.searchsorted(cdf, high_q, side="left"), len(years) - 1)])
    return low, high


def mixed_votes(
    votes: Iterable[Vote], periods: Sequence[PeriodSpan], min_share: float = 0.25
) -> dict[str, list[int]]:
    """{period: [element ids]} when the target's elements split between two or more periods,
    each the top vote of at least `min_share` of the elements (and of two elements or more);
    {} when they agree."""
    by_element: dict[int, list[Vote]] = defaultdict(list)
    for vote in votes:
        by_element[vote.element_id].append(vote)
    tops: dict[str, list[int]] = defaultdict(list)
    for element_id, element_votes in by_element.items():
        scores = smooth(combine(element_votes, periods), 0.0)
        if scores.sum() > 0:
            tops[periods[int(np.argmax(scores))].slug].append(element_id)
    n = sum(len(ids) for ids in tops.values())
    groups = {slug: sorted(ids) for slug, ids in tops.items() if len(ids) >= max(2, min_share * n)}
    return groups if len(groups) >= 2 else {}


def learn_category_weights(
    outcomes: Iterable[tuple[str, bool]], floor: float = 0.1, prior_n: float = 2.0
) -> dict[str, float]:
    """Per-category weights from leave-one-cave-out outcomes (category, whether that element's
    own votes picked the true period): the smoothed hit rate (prior_n pseudo-counts at 0.5),
    never below `floor`, scaled so the best category weighs 1."""
    hits: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for category, correct in outcomes:
        hits[category][0] += int(correct)
        hits[category][1] += 1
    rates = {c: max(floor, (h + 0.5 * prior_n) / (n + prior_n)) for c, (h, n) in hits.items()}
    best = max(rates.values(), default=1.0)
    return {c: round(r / best, 4) for c, r in sorted(rates.items())}
