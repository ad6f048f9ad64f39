"""Vote combination, smoothing, inscription clipping and intervals (indexer/dating/votes.py)."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.dating.votes import (
    PeriodSpan,
    Vote,
    allowed_years,
    clipped,
    combine,
    distribution,
    interval,
    learn_category_weights,
    mixed_votes,
    smooth,
    year_density,
)

PERIODS = [
    PeriodSpan("western-wei", 535, 556),
    PeriodSpan("northern-zhou", 557, 581),
    PeriodSpan("sui", 581, 618),
    PeriodSpan("early-tang", 618, 704),
]


def vote(element, period, similarity=0.9, weight=1.0, neighbour=0):
    return Vote(element, neighbour, period, 1, similarity, weight)


def test_votes_are_similarity_times_weight_per_period():
    scores = combine(
        [vote(1, "sui", 0.8), vote(2, "sui", 0.5, 0.5), vote(3, "early-tang", 0.4), vote(4, "x")],
        PERIODS,
    )
    assert scores == pytest.approx([0, 0, 1.05, 0.4])


def test_negative_similarity_never_votes():
    assert combine([vote(1, "sui", -0.5)], PERIODS).sum() == 0


def test_smoothing_passes_mass_to_neighbours_and_keeps_the_total():
    out = smooth(np.array([0.0, 0.0, 1.0, 0.0]), 0.2)
    assert out == pytest.approx([0, 0.1, 0.8, 0.1])
    end = smooth(np.array([1.0, 0.0, 0.0, 0.0]), 0.2)
    assert end == pytest.approx([0.8, 0.2, 0, 0])


def test_distribution_is_uniform_without_votes():
    assert distribution(np.zeros(4)) == pytest.approx([0.25] * 4)
    probs = distribution(np.array([0.0, 0.0, 3.0, 1.0]), prior=0.0)
    assert probs == pytest.approx([0, 0, 0.75, 0.25])


def test_an_inscription_clips_the_distribution_and_the_interval():
    probs = distribution(np.array([1.0, 1.0, 5.0, 1.0]))
    allowed = allowed_years([[538]])
    assert clipped(probs, PERIODS, allowed) == pytest.approx([1, 0, 0, 0])
    years, density = year_density(probs, PERIODS, allowed)
    assert interval(years, density) == (538, 538)


def test_the_interval_holds_the_central_mass():
    probs = np.array([0.0, 0.0, 0.0, 1.0])  # Early Tang, evenly over 618–704
    years, density = year_density(probs, PERIODS)
    low, high = interval(years, density, 0.8)
    assert 618 + 7 <= low <= 618 + 10 and 704 - 10 <= high <= 704 - 7


def test_contradicting_inscriptions_allow_either():
    assert allowed_years([[538], [584]]) == {538, 584}
    assert allowed_years([[630, 1104], [630]]) == {630}
    assert allowed_years([]) is None


def test_split_elements_are_flagged_as_mixed():
    votes = [vote(1, "sui"), vote(2, "sui"), vote(3, "early-tang"), vote(4, "early-tang")]
    assert mixed_votes(votes, PERIODS) == {"sui": [1, 2], "early-tang": [3, 4]}
    agreeing = [vote(1, "sui"), vote(2, "sui"), vote(3, "sui"), vote(4, "early-tang")]
    assert mixed_votes(agreeing, PERIODS) == {}


def test_category_weights_follow_leave_one_cave_out_hit_rates():
    outcomes = [("donor", True)] * 8 + [("donor", False)] * 2
    outcomes += [("thousand-buddhas", True)] * 3 + [("thousand-buddhas", False)] * 7
    weights = learn_category_weights(outcomes)
    assert weights["donor"] == 1.0
    assert 0.3 < weights["thousand-buddhas"] < 0.6


def test_each_element_votes_once_and_each_category_once_by_its_weight():
    from indexer.dating.votes import combine_by_category, element_shares

    votes = [
        vote(1, "sui", 0.90), vote(1, "early-tang", 0.60),  # element 1: clearly Sui
        vote(2, "early-tang", 0.80),
        *[vote(10 + i, "western-wei", 0.9, weight=0.5) for i in range(20)],  # a big category
    ]  # fmt: skip
    shares = element_shares(votes, PERIODS, temperature=0.05)
    assert shares[1] == pytest.approx([0, 0, 1 / (1 + np.exp(-6)), np.exp(-6) / (1 + np.exp(-6))])
    categories = {1: "donor", 2: "donor", **{10 + i: "thousand-buddha" for i in range(20)}}
    scores = combine_by_category(votes, categories, PERIODS, temperature=0.05)
    # donors: the mean of two elements' shares; the 20 thousand Buddhas count once, at 0.5
    assert scores[0] == pytest.approx(0.5)
    assert scores[2] + scores[3] == pytest.approx(1.0)
    assert scores.sum() == pytest.approx(1.5)
