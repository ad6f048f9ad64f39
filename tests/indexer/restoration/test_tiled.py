"""Large regions, window by window at full resolution: the same result as one pass away from
the seams, rows handed on as they are done, memory bounded by a band of windows."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from indexer.restoration import RestorationError, inpaint
from indexer.restoration.tiled import (
    array_reader,
    pyramid_reader,
    restore_region,
    tiled_restore,
    window_starts,
)

from .conftest import disc_mask, textured_image


def test_windows_step_by_tile_minus_overlap_and_end_flush():
    assert window_starts(1000, 256, 32) == [0, 224, 448, 672, 744]
    assert window_starts(200, 256, 32) == [0]


def _holes_away_from_seams(width, height, tile, overlap, spacing, radius, margin):
    """Centres of holes whose discs (plus margin) cross no window's edge."""
    edges_x = {e for s in window_starts(width, tile, overlap) for e in (s, s + tile)}
    edges_y = {e for s in window_starts(height, tile, overlap) for e in (s, s + tile)}
    centres = []
    for y in range(spacing // 2, height, spacing):
        for x in range(spacing // 2, width, spacing):
            if all(abs(x - e) > radius + margin for e in edges_x) and all(
                abs(y - e) > radius + margin for e in edges_y
            ):
                centres.append((x, y))
    return centres


def test_tiled_restoration_equals_one_pass_away_from_the_seams():
    width, height, tile, overlap = 700, 520, 256, 48
    image = textured_image(height, width, seed=3)
    centres = _holes_away_from_seams(width, height, tile, overlap, 37, 5, 8)
    assert len(centres) > 40
    lost = disc_mask(height, width, centres, 5)
    whole = inpaint(image, lost, "telea")
    tiled, details = tiled_restore(np.where(lost[..., None] > 0, 0, image).astype(np.uint8),
                                   lost, "telea", tile=tile, overlap=overlap)
    assert details["tiled"]["windows"] == len(window_starts(width, tile, overlap)) * len(
        window_starts(height, tile, overlap)
    )
    assert np.array_equal(tiled, whole)


def test_holes_across_seams_are_blended_not_cut():
    width, height = 600, 300
    image = textured_image(height, width, seed=4)
    lost = np.zeros((height, width), np.uint8)
    lost[100:140, 200:420] = 255  # across the overlap of two 320 px windows
    out, _ = tiled_restore(image, lost, "telea", tile=320, overlap=40)
    assert np.array_equal(out[lost == 0], image[lost == 0])
    # no step where the windows meet: neighbouring columns of the fill stay close
    jumps = np.abs(np.diff(out[100:140, 200:420].astype(int), axis=1)).max(axis=(0, 2))
    assert jumps.max() < 40


def _procedural(x, y, w, h):
    xx = np.arange(x, x + w, dtype=np.int32)[None, :]
    yy = np.arange(y, y + h, dtype=np.int32)[:, None]
    out = np.empty((h, w, 3), np.uint8)
    out[..., 0] = (xx * 7 + yy) % 200
    out[..., 1] = (yy * 3 + 0 * xx) % 230
    out[..., 2] = (xx + yy * 5) % 180
    return out


def _sparse_holes(x, y, w, h):
    xx = np.arange(x, x + w, dtype=np.int32)[None, :]
    yy = np.arange(y, y + h, dtype=np.int32)[:, None]
    return (((xx % 1500) < 6) & ((yy % 1300) < 6)).astype(np.uint8) * 255


def test_a_large_region_streams_rows_in_bounded_memory():
    width = height = 4096  # 50 MB as RGB, 270 MB as the float accumulators of one pass
    written = []

    def write(y, rows):
        assert rows.shape[1] == width
        written.append((y, rows.shape[0]))

    tracemalloc.start()
    details = restore_region(_procedural, _sparse_holes, width, height, "telea", write,
                             tile=256, overlap=32)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 48 * 2**20
    assert sum(n for _, n in written) == height and written[0][0] == 0
    assert all(a + n == b for (a, n), (b, _) in zip(written, written[1:], strict=False))
    assert 0 < details["restored_windows"] < details["windows"]  # windows without holes skip


def test_bad_tiling_is_one_line_error():
    image = textured_image(300, 300)
    with pytest.raises(RestorationError, match="tile must be"):
        tiled_restore(image, disc_mask(300, 300, [(100, 100)], 4), "telea", tile=100, overlap=60)


def test_it_reads_a_region_of_a_pyramid(tmp_path):
    import cv2

    from indexer.imagery import Pyramid, build_pyramid

    source = tmp_path / "wall.png"
    cv2.imwrite(str(source), textured_image(600, 800, seed=6)[..., ::-1])
    build_pyramid(source, tmp_path / "wall.tif")
    pyramid = Pyramid(tmp_path / "wall.tif")
    x0, y0, w, h = 100, 50, 600, 500
    lost = disc_mask(h, w, [(150, 120), (420, 380)], 9)
    rows = np.zeros((h, w, 3), np.uint8)

    def write(y, block):
        rows[y : y + block.shape[0]] = block

    restore_region(pyramid_reader(pyramid, x0, y0), array_reader(lost), w, h, "telea", write,
                   tile=256, overlap=32)
    expected, _ = tiled_restore(pyramid.read_full_res(x0, y0, w, h), lost, "telea", tile=256,
                                overlap=32)
    assert np.array_equal(rows, expected)


def test_restore_reports_progress_by_finished_rows():
    from indexer.restoration import restore

    image = textured_image(300, 400, seed=3)
    lost = disc_mask(300, 400, [(60, 60), (330, 240)], 10)
    seen: list[float] = []
    result = restore(image, lost, "telea", tile=160, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 2
    assert "progress" not in result.params
