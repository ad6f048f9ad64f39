"""The pipeline on a synthetic mural with a detector of known answers: every element found once,
at its exact box, and a killed run resumes without redoing or losing work."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import pyvips

from indexer.imagery import Pyramid, build_pyramid, release_freed_memory
from indexer.pipeline import (
    Checkpoint,
    IndexConfig,
    LocalRunner,
    index_mural,
    read_tile,
    read_tiles,
)
from indexer.synthetic import CATEGORIES, plan_mural, render_mural
from indexer.tiling import tile_mural
from tests.indexer.oracle import ColourLayoutEmbedder, OracleDetector

CONFIG = IndexConfig(tile_size=640, batch_size=4)


@pytest.fixture(scope="module")
def mural(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mural")
    spec = plan_mural(2600, 1900, seed=11)
    source = folder / "wall.png"
    pyvips.Image.new_from_array(render_mural(spec)).pngsave(str(source))
    build_pyramid(source, folder / "wall.tif")
    return spec, folder / "wall.tif"


def truth(spec):
    return sorted((i.x, i.y, i.w, i.h, CATEGORIES.index(i.category)) for i in spec.instances)


def found_boxes(found):
    return sorted((f.x, f.y, f.w, f.h, f.label) for f in found)


def run(path, detector, tmp_path, fingerprint=None, config=CONFIG):
    checkpoint = Checkpoint(tmp_path / "checkpoint", fingerprint or {"run": 1})
    return index_mural(path, LocalRunner(detector, ColourLayoutEmbedder()), config, checkpoint)


def test_it_finds_every_labelled_element_exactly_once_at_its_box(mural, tmp_path):
    spec, path = mural
    detector = OracleDetector(spec, Pyramid(path), CONFIG)
    found = run(path, detector, tmp_path)
    assert len(spec.instances) > 50
    assert found_boxes(found) == truth(spec)
    assert all(f.vector.shape == (48,) for f in found)


def test_it_reads_every_tile_once_in_batches(mural, tmp_path):
    spec, path = mural
    detector = OracleDetector(spec, Pyramid(path), CONFIG)
    run(path, detector, tmp_path)
    tiles = len(tile_mural(spec.width, spec.height, CONFIG.tile_size))
    assert detector.tiles_seen == tiles  # no tile of this busy wall is blank
    assert detector.calls == -(-tiles // CONFIG.batch_size)


def test_it_sees_murals_of_another_scale_at_the_detector_scale(mural, tmp_path):
    spec, path = mural
    config = IndexConfig(tile_size=320, batch_size=4, scale=0.5)
    detector = OracleDetector(spec, Pyramid(path), config)
    found = run(path, detector, tmp_path, config=config)
    matched = 0
    for f, t in zip(found_boxes(found), truth(spec), strict=True):
        matched += all(abs(a - b) <= 2 for a, b in zip(f[:4], t[:4], strict=True))
    assert matched / len(found) > 0.97  # half-resolution tiles round boxes to 2 px


class Crash(RuntimeError):
    pass


class CrashingDetector:
    """Dies on its n-th batch, like a process killed mid-run."""

    def __init__(self, inner, crash_on_call):
        self.inner, self.crash_on_call, self.calls = inner, crash_on_call, 0

    def detect(self, tiles):
        self.calls += 1
        if self.calls == self.crash_on_call:
            raise Crash("killed")
        return self.inner.detect(tiles)


def test_it_resumes_a_crashed_run_without_redoing_or_losing_tiles(mural, tmp_path):
    spec, path = mural
    oracle = OracleDetector(spec, Pyramid(path), CONFIG)
    with pytest.raises(Crash):
        run(path, CrashingDetector(oracle, crash_on_call=5), tmp_path)
    seen_before = oracle.tiles_seen
    assert seen_before == 4 * CONFIG.batch_size
    found = run(path, oracle, tmp_path)
    assert oracle.tiles_seen == len(tile_mural(spec.width, spec.height, CONFIG.tile_size))
    assert found_boxes(found) == truth(spec)


def test_it_ignores_a_torn_last_checkpoint_line(mural, tmp_path):
    spec, path = mural
    oracle = OracleDetector(spec, Pyramid(path), CONFIG)
    with pytest.raises(Crash):
        run(path, CrashingDetector(oracle, crash_on_call=3), tmp_path)
    with (tmp_path / "checkpoint" / "tiles.jsonl").open("a") as f:
        f.write('{"99": [[1, 2, 3')  # a write cut short by kill -9
    assert found_boxes(run(path, oracle, tmp_path)) == truth(spec)


def test_it_starts_over_when_the_configuration_changes(mural, tmp_path):
    spec, path = mural
    oracle = OracleDetector(spec, Pyramid(path), CONFIG)
    with pytest.raises(Crash):
        run(path, CrashingDetector(oracle, crash_on_call=3), tmp_path, {"detector": "a"})
    oracle.tiles_seen = 0
    run(path, oracle, tmp_path, {"detector": "b"})
    assert oracle.tiles_seen == len(tile_mural(spec.width, spec.height, CONFIG.tile_size))


def test_it_skips_blank_tiles(tmp_path):
    spec = plan_mural(1400, 1000, seed=3)
    pixels = render_mural(spec)
    pixels[:, 700:] = (200, 180, 150)  # the right half is bare plaster
    source = tmp_path / "half.png"
    pyvips.Image.new_from_array(pixels).pngsave(str(source))
    build_pyramid(source, tmp_path / "half.tif")
    pyramid = Pyramid(tmp_path / "half.tif")
    oracle = OracleDetector(spec, pyramid, CONFIG)
    found = run(tmp_path / "half.tif", oracle, tmp_path)
    tiles = len(tile_mural(1400, 1000, CONFIG.tile_size))
    assert 0 < oracle.tiles_seen < tiles
    checkpoint = Checkpoint(tmp_path / "checkpoint", {"run": 1})
    assert len(checkpoint.done_tiles()) == tiles  # blank tiles count as done, with no boxes
    boxes = truth(spec)
    for x, y, w, h, label in found_boxes(found):  # whole, or the visible part of a figure
        assert any(
            tx <= x and ty <= y and x + w <= tx + tw and y + h <= ty + th and tl == label
            for tx, ty, tw, th, tl in boxes
        )


@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_strip_reads_give_exactly_the_pixels_of_tile_by_tile_reads(mural, scale):
    _, path = mural
    pyramid = Pyramid(path)
    tiles = tile_mural(pyramid.width, pyramid.height, 640, 0.5, scale)
    batch = tiles[3:14]  # spans the end of one grid row and the start of the next
    assert len({tile.y for tile in batch}) == 2
    for tile, array in zip(batch, read_tiles(pyramid, batch, scale), strict=True):
        assert array.flags.c_contiguous
        assert np.array_equal(array, read_tile(pyramid, tile, scale))


def test_freed_memory_is_handed_back_at_most_once_per_interval():
    assert release_freed_memory(min_interval_s=0.0) == (sys.platform == "linux")
    assert release_freed_memory(min_interval_s=3600.0) is False
