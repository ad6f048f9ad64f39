"""A wall's palette: a normalised colour histogram of a small view, compared by intersection."""

from __future__ import annotations

import numpy as np
import pytest
import pyvips

from indexer.dating.palette import (
    VIEW,
    colour_histogram,
    pyramid_palette,
    similarity,
    subsampled,
)
from indexer.imagery import ImageryError, build_pyramid


def halves(left, right, shape=(64, 128)) -> np.ndarray:
    pixels = np.zeros((*shape, 3), np.uint8)
    pixels[:, : shape[1] // 2] = left
    pixels[:, shape[1] // 2 :] = right
    return pixels


def test_similarity_from_l1_is_the_histogram_intersection():
    a = colour_histogram(halves((200, 30, 30), (30, 30, 200)))
    b = colour_histogram(halves((200, 30, 30), (30, 200, 30)))
    assert similarity(np.abs(a - b).sum()) == pytest.approx(np.minimum(a, b).sum()) == 0.5
    assert similarity(0.0) == 1.0 and similarity(2.0) == 0.0


def test_subsampled_keeps_the_longest_side_near_the_view():
    assert subsampled(np.zeros((576, 768, 3), np.uint8)).shape[:2] == (192, 256)
    assert subsampled(np.zeros((100, 200, 3), np.uint8)).shape[:2] == (100, 200)
    assert max(subsampled(np.zeros((3000, 9000, 3), np.uint8)).shape[:2]) <= VIEW


def test_a_pyramids_palette_counts_its_colours(tmp_path):
    pixels = halves((200, 30, 30), (30, 30, 200), shape=(1000, 3000))
    pyramid = tmp_path / "wall.tif"
    source = tmp_path / "wall.png"
    pyvips.Image.new_from_array(pixels).write_to_file(str(source))
    build_pyramid(source, pyramid)
    palette = pyramid_palette(pyramid)
    assert palette.sum() == pytest.approx(1)
    assert similarity(np.abs(palette - colour_histogram(pixels)).sum()) > 0.97


def test_a_missing_pyramid_is_an_imagery_error(tmp_path):
    with pytest.raises(ImageryError, match="cannot read the pyramid"):
        pyramid_palette(tmp_path / "gone.tif")
