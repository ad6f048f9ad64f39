"""Box overlap: IoU and intersection over the smaller box, for (x, y, w, h) tuples and for one
(x1, y1, x2, y2) box against many, agreeing with torchvision's box_iou."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.boxes import intersection, ios, iou, pairwise_overlap


def test_it_measures_the_shared_area_of_two_boxes():
    assert intersection((0, 0, 10, 10), (5, 5, 10, 10)) == 25
    assert intersection((0, 0, 10, 10), (10, 0, 5, 5)) == 0  # touching edges share nothing
    assert intersection((0, 0, 10, 10), (30, 30, 5, 5)) == 0


def test_iou_is_the_shared_area_over_the_union():
    assert iou((0, 0, 10, 10), (5, 5, 10, 10)) == pytest.approx(25 / 175)
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 0, 10, 10)) == 0.0


def test_ios_is_one_when_a_box_holds_the_other():
    assert ios((0, 0, 100, 100), (10, 10, 20, 20)) == 1.0
    assert ios((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(0.5)
    assert ios((0, 0, 10, 10), (50, 50, 10, 10)) == 0.0


def test_one_box_against_many_agrees_with_torchvision_and_the_tuple_form():
    from torch import from_numpy
    from torchvision.ops import box_iou

    rng = np.random.default_rng(3)
    corners = rng.uniform(0, 200, (40, 2))
    boxes = np.hstack([corners, corners + rng.uniform(1, 80, (40, 2))])
    expected = box_iou(from_numpy(boxes[:1]), from_numpy(boxes)).numpy()[0]
    np.testing.assert_allclose(pairwise_overlap(boxes[0], boxes, "iou"), expected, atol=1e-12)
    as_xywh = [(x1, y1, x2 - x1, y2 - y1) for x1, y1, x2, y2 in boxes]
    np.testing.assert_allclose(
        pairwise_overlap(boxes[0], boxes, "ios"), [ios(as_xywh[0], b) for b in as_xywh]
    )


@pytest.mark.parametrize("metric", ["iou", "ios"])
def test_overlap_metrics_are_zero_for_disjoint_boxes(metric):
    overlap = pairwise_overlap(np.array([0, 0, 10, 10.0]), np.array([[20, 20, 30, 30.0]]), metric)
    assert overlap[0] == 0


def test_an_unknown_metric_is_refused():
    with pytest.raises(ValueError, match="unknown overlap metric 'giou'"):
        pairwise_overlap(np.zeros(4), np.zeros((1, 4)), "giou")
