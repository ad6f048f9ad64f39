"""Half-overlap tiling: strides, edge alignment, scale, and murals smaller than a tile."""

from __future__ import annotations

import pytest

from indexer.tiling import axis_starts, tile_mural


def test_it_steps_by_half_a_tile_and_aligns_the_last_window_to_the_edge():
    assert axis_starts(2000, 640, 320) == [0, 320, 640, 960, 1280, 1360]
    assert axis_starts(1280, 640, 320) == [0, 320, 640]  # already aligned: no extra window


def test_it_covers_every_pixel_without_padding_past_the_border():
    width, height = 2333, 1501
    tiles = tile_mural(width, height, 640)
    covered = set()
    for tile in tiles:
        assert 0 <= tile.x and tile.x + tile.w <= width
        assert 0 <= tile.y and tile.y + tile.h <= height
        assert (tile.w, tile.h) == (640, 640)
        covered.update((tile.x // 16, tile.y // 16))
    rows = {t.row for t in tiles}
    cols = {t.col for t in tiles}
    assert len(tiles) == len(rows) * len(cols)
    assert max(t.x + t.w for t in tiles) == width and max(t.y + t.h for t in tiles) == height


def test_it_gives_neighbours_half_their_width_in_common():
    tiles = tile_mural(4000, 640, 640)
    xs = [t.x for t in tiles]
    assert all(b - a == 320 for a, b in zip(xs[:-2], xs[1:-1], strict=True))
    assert xs[-1] == 4000 - 640


def test_it_makes_one_tile_of_a_mural_smaller_than_a_tile():
    tiles = tile_mural(300, 200, 640)
    assert len(tiles) == 1
    assert (tiles[0].x, tiles[0].y, tiles[0].w, tiles[0].h) == (0, 0, 300, 200)


def test_it_makes_a_strip_of_tiles_for_a_mural_narrower_than_a_tile():
    tiles = tile_mural(500, 1500, 640)
    assert [(t.x, t.y, t.w, t.h) for t in tiles] == [
        (0, 0, 500, 640),
        (0, 320, 500, 640),
        (0, 640, 500, 640),
        (0, 860, 500, 640),
    ]


def test_it_widens_windows_when_the_mural_is_seen_at_a_smaller_scale():
    tiles = tile_mural(5000, 5000, 640, scale=0.5)  # 600 dpi mural, 300 dpi detector
    assert tiles[0].w == 1280 and tiles[1].x == 640


def test_it_numbers_tiles_row_by_row():
    tiles = tile_mural(1000, 1000, 640)
    assert [t.index for t in tiles] == list(range(len(tiles)))
    assert [(t.row, t.col) for t in tiles[:4]] == [(0, 0), (0, 1), (0, 2), (1, 0)]


@pytest.mark.parametrize("bad", [{"overlap": 1.0}, {"overlap": -0.1}, {"scale": 0}])
def test_it_rejects_impossible_settings(bad):
    with pytest.raises(ValueError):
        tile_mural(1000, 1000, 640, **bad)
