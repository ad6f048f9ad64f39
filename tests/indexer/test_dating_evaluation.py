"""Scores and baselines of evaluate_dating (indexer/dating/evaluation.py)."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.dating.evaluation import histogram_nn, majority, score, summary
from indexer.dating.palette import colour_histogram
from indexer.dating.votes import PeriodSpan

PERIODS = [PeriodSpan("sui", 581, 618), PeriodSpan("early-tang", 618, 704)]


def test_a_score_counts_top_ranks_error_and_coverage():
    hit = score(np.array([0.7, 0.3]), PERIODS, "sui", [590, 610])
    assert hit["top1"] and hit["top3"]
    assert hit["coverage"] == pytest.approx(21 / 38)
    assert hit["abs_error"] == pytest.approx(abs(600 - 599.5))
    miss = score(np.array([0.2, 0.8]), PERIODS, "sui", [650, 700])
    assert not miss["top1"] and miss["coverage"] == 0
    assert score(np.array([0.5, 0.5]), PERIODS, "sui", None, True)["coverage"] == 0


def test_the_summary_separates_abstentions():
    rows = [
        score(np.array([0.7, 0.3]), PERIODS, "sui", [581, 618]),
        score(np.array([0.7, 0.3]), PERIODS, "early-tang", [581, 704], abstained=True),
    ]
    result = summary(rows)
    assert result["n"] == 2 and result["top1"] == 0.5 and result["abstention_rate"] == 0.5
    assert result["answered"] == {
        "n": 1, "top1": 1.0, "top3": 1.0, "mae_years": 0.0, "coverage_80": 1.0
    }  # fmt: skip


def test_majority_and_histogram_baselines():
    assert majority(["sui", "sui", "early-tang"], PERIODS) == pytest.approx([2 / 3, 1 / 3])
    red = np.zeros((4, 4, 3), np.uint8)
    red[..., 0] = 200
    blue = np.zeros((4, 4, 3), np.uint8)
    blue[..., 2] = 200
    h_red, h_blue = colour_histogram(red), colour_histogram(blue)
    assert h_red.sum() == pytest.approx(1) and len(h_red) == 512
    probs = histogram_nn(h_red, [(h_blue, "early-tang"), (h_red, "sui")], PERIODS, k=1)
    assert probs == pytest.approx([1, 0])
