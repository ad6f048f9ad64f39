"""Damage masks: the paper's dust and jelly masks, masks from clicks, suggested losses."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from indexer.restoration import RestorationError, click_mask, read_mask, suggest_losses
from indexer.restoration.masks import (
    as_mask,
    dust_mask,
    jelly_mask,
    lost_fraction,
    simulated_mask,
    training_mask,
)

from .conftest import disc_mask


def _mean_fraction(kind: str, level: str) -> float:
    return float(np.mean([lost_fraction(simulated_mask(kind, level, s)) for s in range(12)]))


@pytest.mark.parametrize(
    ("kind", "level", "low", "high"),
    [
        ("dust", "light", 0.02, 0.07),
        ("dust", "heavy", 0.18, 0.30),
        ("jelly", "light", 0.02, 0.08),
        ("jelly", "heavy", 0.26, 0.42),
    ],
)
def test_it_loses_about_the_calibrated_fraction(kind, level, low, high):
    assert low <= _mean_fraction(kind, level) <= high


def test_masks_are_8_bit_on_a_256_canvas_with_lost_pixels_255():
    mask = dust_mask()
    assert mask.shape == (256, 256) and mask.dtype == np.uint8
    assert set(np.unique(mask)) == {0, 255}


def test_the_same_seed_gives_the_same_mask_and_another_seed_another():
    assert np.array_equal(jelly_mask(seed=3), jelly_mask(seed=3))
    assert np.array_equal(dust_mask(level="heavy", seed=3), dust_mask(level="heavy", seed=3))
    assert not np.array_equal(dust_mask(seed=3), dust_mask(seed=4))


def test_heavy_loses_more_than_light():
    assert _mean_fraction("dust", "heavy") > 3 * _mean_fraction("dust", "light")


def _edge_per_lost_pixel(mask: np.ndarray) -> float:
    lost = mask > 0
    edge = lost & ~cv2.erode(lost.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    return edge.sum() / max(1, lost.sum())


def test_jelly_is_blockier_than_dust():
    for level in ("light", "heavy"):
        dust = np.mean([_edge_per_lost_pixel(dust_mask(level=level, seed=s)) for s in range(6)])
        jelly = np.mean([_edge_per_lost_pixel(jelly_mask(level=level, seed=s)) for s in range(6)])
        assert jelly < 0.6 * dust


def test_training_masks_cover_both_kinds_and_a_range_of_losses():
    rng = np.random.default_rng(0)
    fractions = [lost_fraction(training_mask("mixed", rng)) for _ in range(30)]
    assert min(fractions) < 0.08 and max(fractions) > 0.25


def test_an_unknown_level_or_kind_is_one_line_error():
    with pytest.raises(RestorationError, match="unknown loss level") as info:
        dust_mask(level="medium")
    assert "\n" not in str(info.value)
    with pytest.raises(RestorationError, match="unknown mask kind"):
        simulated_mask("mould", "light", 0)


def test_a_mask_of_another_size_than_the_image_is_refused():
    with pytest.raises(RestorationError, match="the mask is 10x20 but the image is 30x40"):
        as_mask(np.zeros((20, 10), np.uint8), (40, 30))


def test_colour_and_boolean_masks_read_as_lost_where_nonzero(tmp_path):
    rgb = np.zeros((8, 8, 3), np.uint8)
    rgb[2, 3, 1] = 7
    assert as_mask(rgb)[2, 3] == 255 and as_mask(rgb).sum() == 255
    path = tmp_path / "mask.png"
    cv2.imwrite(str(path), rgb)
    assert read_mask(path, (8, 8))[2, 3] == 255
    bad = tmp_path / "not-a-mask.png"
    bad.write_bytes(b"no image here")
    with pytest.raises(RestorationError, match="not an image"):
        read_mask(bad)


def _flake_scene():
    """Stripes of saturated pigment (cinnabar, malachite, lapis) with one pale, irregular
    flake of bare plaster."""
    rng = np.random.default_rng(1)
    pigments = np.array([(184, 62, 40), (82, 146, 118), (52, 82, 150)], np.float32)
    stripes = (np.arange(160)[None, :] + np.arange(160)[:, None] // 2) // 23 % 3
    image = pigments[stripes] + rng.normal(0, 4, (160, 160, 3))
    flake = np.zeros((160, 160), np.uint8)
    pts = np.array([[60, 50], [105, 48], [118, 90], [95, 118], [58, 104], [48, 75]], np.int32)
    cv2.fillPoly(flake, [pts], 255)
    plaster = np.array([208, 196, 170]) + rng.normal(0, 4, (160, 160, 3))
    image = np.where(flake[..., None] > 0, plaster, image)
    return np.clip(image, 0, 255).astype(np.uint8), flake


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a > 0, b > 0
    return float((a & b).sum() / max(1, (a | b).sum()))


@pytest.mark.parametrize("method", ["grabcut", "watershed"])
def test_a_mask_grows_from_clicks_over_the_flake(method):
    image, flake = _flake_scene()
    mask = click_mask(image, [(82, 80), (70, 95)], method=method, reach=60)
    assert _iou(mask, flake) > 0.8


def test_clicks_must_be_one_to_three_and_inside_the_image():
    image, _ = _flake_scene()
    with pytest.raises(RestorationError, match="1 to 3 clicks"):
        click_mask(image, [(1, 1)] * 4)
    with pytest.raises(RestorationError, match="outside"):
        click_mask(image, [(500, 5)])
    with pytest.raises(RestorationError, match="unknown click method"):
        click_mask(image, [(5, 5)], method="magic")


def test_suggested_losses_are_the_pale_plaster_not_the_paint():
    image, flake = _flake_scene()
    suggested = suggest_losses(image)
    assert _iou(suggested, flake) > 0.8


def test_a_brushed_mask_is_any_8_bit_array():
    brushed = disc_mask(32, 32, [(16, 16)], 5)
    assert as_mask(brushed, (32, 32)).sum() == brushed.sum()
