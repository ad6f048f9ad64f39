"""The stylize interface: each method, strength, bad input, and tiling for large images."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.style import METHODS, StyleError, StyleSource, stylize
from indexer.style.stats import ColourStats, palette, to_lab
from indexer.style.tiling import stylize_region, tiled


def test_every_method_is_registered():
    assert set(METHODS) == {"color", "arbitrary", "neural-stats", "unpaired"}


def test_color_moves_lab_statistics_to_the_set(green_set, content):
    out = stylize(content, green_set, "color").image
    assert out.shape == content.shape and out.dtype == np.uint8
    target = ColourStats.of_images(green_set).mean
    before = np.abs(to_lab(content).reshape(-1, 3).mean(0) - target)
    after = np.abs(to_lab(out).reshape(-1, 3).mean(0) - target)
    assert (after < before * 0.25 + 1.0).all()


def test_color_strength_zero_is_the_content(green_set, content):
    out = stylize(content, green_set, "color", strength=0.0).image
    assert np.abs(out.astype(int) - content).max() <= 1


def test_color_is_the_same_tiled_or_whole(green_set, content):
    whole = stylize(content, green_set, "color").image
    small = stylize(content, green_set, "color", tile=48).image
    assert np.abs(whole.astype(int) - small).max() <= 1


def test_arbitrary_uses_the_magenta_network(green_set, content):
    from indexer.style.magenta import model_identity, style_vector

    assert style_vector(green_set[0]).shape == (100,)
    result = stylize(content, StyleSource(green_set), "arbitrary")
    assert result.image.shape == content.shape
    assert np.abs(result.image.astype(int) - content).mean() > 5
    assert result.model == model_identity() and len(result.model["sha256"]) == 64
    weak = stylize(content, green_set, "arbitrary", strength=0.2).image
    assert np.abs(weak.astype(int) - result.image).mean() > 2


def test_arbitrary_tiles_large_images_in_384_windows(green_set):
    from tests.style.conftest import textured

    big = textured(3, (500, 700))
    result = stylize(big, green_set, "arbitrary")
    assert result.image.shape == big.shape
    assert result.details["tiling"]["windows"] == 4 and result.details["tiling"]["tile"] == 384


def test_neural_stats_lowers_its_loss(green_set, content):
    result = stylize(content, green_set, "neural-stats", steps=4)
    assert result.image.shape == content.shape
    assert result.details["loss_last"] < result.details["loss_first"]


@pytest.mark.parametrize(
    "method, params, message",
    [
        ("cubism", {}, "unknown method"),
        ("color", {"strength": 2}, "strength"),
        ("color", {"bogus": 1}, "bad parameters"),
        ("unpaired", {}, "run train_style first"),
        ("neural-stats", {"smoothing": "max"}, "smoothing"),
    ],
)
def test_bad_input_is_one_clear_error(green_set, content, method, params, message):
    with pytest.raises(StyleError, match=message):
        stylize(content, green_set, method, **params)


def test_an_empty_style_set_is_refused(content):
    with pytest.raises(StyleError, match="empty"):
        stylize(content, [], "color")


def test_a_non_rgb_content_is_refused(green_set):
    with pytest.raises(StyleError, match="RGB uint8"):
        stylize(np.zeros((10, 10, 3), np.float32), green_set, "color")


def test_tiling_blends_to_the_identity_and_streams_rows():
    from tests.style.conftest import textured

    image = textured(1, (300, 260))
    out, details = tiled(image, lambda w, x, y: w, tile=100, overlap=20)
    assert np.array_equal(out, image) and details["windows"] == 12  # 3 across x 4 down

    writes: list[tuple[int, int]] = []
    stylize_region(
        lambda x, y, w, h: image[y : y + h, x : x + w],
        260,
        300,
        lambda w, x, y: w,
        lambda y, rows: writes.append((y, len(rows))),
        100,
        20,
    )
    assert writes[0][0] == 0 and sum(n for _, n in writes) == 300
    assert max(n for _, n in writes) <= 100  # never more than a band of rows held


def test_palette_is_the_sets_dominant_colours(green_set):
    colours = palette(green_set, colours=4)
    assert 1 <= len(colours) <= 4
    assert abs(sum(c["share"] for c in colours) - 1) < 1e-6
    r, g, b = (int(colours[0]["hex"][i : i + 2], 16) for i in (1, 3, 5))
    assert g > r and g > b


def test_a_4000_px_image_is_stylized_in_a_band_of_rows():
    """Memory follows the tile rows, not the image: a 4000 x 3000 region read lazily and written
    row band by row band never holds more than a fraction of the image."""
    import tracemalloc

    from indexer.style.methods import plan

    width, height = 4000, 3000
    tile = np.full((256, 256, 3), (200, 80, 60), np.uint8)

    def read(x, y, w, h):
        return tile[:h, :w] if w <= 256 and h <= 256 else np.full((h, w, 3), 128, np.uint8)

    def peak_for(h: int) -> int:
        styled = plan("color", tile, (width, h), [tile[..., ::-1].copy()], histogram=False)
        rows_done = []
        tracemalloc.start()
        stylize_region(
            read, width, h, styled.fn, lambda y, rows: rows_done.append(len(rows)), 256, 32
        )
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert sum(rows_done) == h
        return peak

    half, full = peak_for(height // 2), peak_for(height)
    assert full < 1.15 * half  # twice the rows, the same memory
    assert full < 0.4 * width * height * 3 * 4  # well under a float32 copy of the image
