"""search-guided: aligned intact copies of a motif fill its losses; candidates that do not
align send it to pconv, and it says so."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from indexer.restoration import RestorationError, restore
from indexer.restoration.guided import align_candidate
from indexer.restoration.masks import jelly_mask
from indexer.restoration.metrics import score

from .conftest import textured_image


def draw_buddha(scale: float = 1.0, shift=(0.0, 0.0), gain: float = 1.0, seed: int = 0):
    """A seated figure (halo, head, robe, lotus) on grained ground: one template, redrawn."""
    size = 160
    rng = np.random.default_rng(seed)
    canvas = np.zeros((size * 4, size * 4, 3), np.uint8)
    canvas[:] = (150, 70, 50)
    c = np.array([size * 2, size * 2])

    def p(x, y):
        q = c + (np.array([x, y]) * scale + np.array(shift)) * 4
        return int(q[0]), int(q[1])

    def r(v):
        return int(v * scale * 4)

    cv2.ellipse(canvas, p(0, -20), (r(46), r(56)), 0, 0, 360, (200, 160, 60), -1, cv2.LINE_AA, 0)
    cv2.ellipse(canvas, p(0, -20), (r(38), r(48)), 0, 0, 360, (40, 40, 40), -1, cv2.LINE_AA, 0)
    cv2.circle(canvas, p(0, -38), r(13), (220, 190, 160), -1, cv2.LINE_AA)
    robe = np.array([p(-34, 30), p(0, -22), p(34, 30)], np.int32)
    cv2.fillPoly(canvas, [robe], (50, 80, 160), cv2.LINE_AA)
    cv2.ellipse(canvas, p(0, 34), (r(44), r(10)), 0, 0, 360, (60, 90, 170), -1, cv2.LINE_AA, 0)
    for k in range(-3, 4):
        cv2.circle(canvas, p(k * 12, 52), r(5), (230, 120, 100), -1, cv2.LINE_AA)
    image = cv2.resize(canvas, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32)
    image = image * gain + rng.normal(0, 3, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


@pytest.fixture
def damaged():
    target = draw_buddha(seed=1)
    lost = cv2.resize(jelly_mask(level="heavy", seed=5), (160, 160),
                      interpolation=cv2.INTER_NEAREST)
    return target, lost


def test_it_finds_scale_and_shift_of_a_copy():
    target = draw_buddha(seed=1)
    copy = draw_buddha(scale=1.05, shift=(3, -2), seed=2)
    a = align_candidate(target, np.ones(target.shape[:2], bool), copy)
    assert abs(a.scale - 1.05) < 0.015
    assert abs(a.shift[0] - 3) < 0.5 and abs(a.shift[1] + 2) < 0.5  # in candidate pixels
    assert a.residual < 8


def test_it_fills_from_aligned_copies_of_the_motif(damaged, untrained_model):
    target, lost = damaged
    copies = [
        ("e1", draw_buddha(scale=1.04, shift=(2, -3), gain=0.95, seed=2)),
        ("e2", draw_buddha(scale=0.97, shift=(-3, 1), gain=1.05, seed=3)),
        ("e3", draw_buddha(scale=1.0, shift=(1, 2), seed=4)),
    ]
    guided = restore(target, lost, "search-guided", candidates=copies, model=str(untrained_model))
    telea = restore(target, lost, "telea")
    assert guided.details["fallback"] is None
    assert guided.details["sources"] == ["e1", "e2", "e3"]
    assert all(a["residual"] < 12 for a in guided.details["alignments"])
    assert score(guided.image, target)["psnr"] > score(telea.image, target)["psnr"] + 5
    assert np.array_equal(guided.image[lost == 0], target[lost == 0])


def test_it_falls_back_to_pconv_when_the_candidates_do_not_align(damaged, untrained_model):
    target, lost = damaged
    strangers = [textured_image(160, 160, seed=s) for s in (7, 8)]
    guided = restore(target, lost, "search-guided", candidates=strangers,
                     model=str(untrained_model))
    pconv = restore(target, lost, "pconv", model=str(untrained_model))
    assert guided.details["fallback"].startswith("pconv: no candidate aligned")
    assert guided.details["sources"] == []
    assert np.array_equal(guided.image, pconv.image)


def test_without_candidates_it_falls_back_and_says_so(damaged, untrained_model):
    target, lost = damaged
    guided = restore(target, lost, "search-guided", model=str(untrained_model))
    assert guided.details["fallback"] == "pconv: no candidates were given"


def test_a_candidate_that_is_not_an_image_is_one_line_error(damaged):
    target, lost = damaged
    with pytest.raises(RestorationError, match="candidate 0 must be an RGB uint8 image"):
        restore(target, lost, "search-guided", candidates=[np.zeros((4, 4))])
