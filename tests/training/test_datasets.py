"""Training data sets: the indexer's tiling, boxes clipped at tile edges, splits by mural."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from indexer.imagery import Pyramid
from indexer.pipeline import read_tile
from indexer.synthetic import CATEGORIES
from indexer.tiling import Tile, tile_mural
from indexer.training.datasets import (
    DatasetError,
    Geometry,
    LabelledBox,
    LabelledMural,
    build_yolo_dataset,
    read_manifest,
    split_by_mural,
    synthetic_murals,
    tile_labels,
)

NAMES = list(CATEGORIES)


@pytest.fixture(scope="module")
def murals(tmp_path_factory):
    return synthetic_murals(tmp_path_factory.mktemp("synthetic"), 3, 1000, 700, 7, NAMES)


def test_the_split_puts_whole_murals_on_one_side_reproducibly():
    keys = [f"mural-{i}" for i in range(10)]
    val = split_by_mural(keys, 0.2, seed=3)
    assert len(val) == 2 and val <= set(keys)
    assert split_by_mural(list(reversed(keys)), 0.2, seed=3) == val
    assert len({frozenset(split_by_mural(keys, 0.2, seed=s)) for s in range(10)}) > 1
    assert split_by_mural(["a", "b"], 0.9) in ({"a"}, {"b"})  # one mural always trains
    assert split_by_mural(["only"], 0.5) == set()


def test_a_box_cut_by_a_tile_edge_is_clipped_and_dropped_when_mostly_outside():
    tile = Tile(index=0, row=0, col=0, x=100, y=100, w=200, h=200)
    inside = LabelledBox(150, 150, 40, 20, 2)
    half_out = LabelledBox(280, 150, 40, 20, 1)  # 20 of its 40 px are inside: exactly 0.5
    mostly_out = LabelledBox(290, 150, 40, 20, 1)  # 10 of 40 px inside
    labels = tile_labels([inside, half_out, mostly_out], tile, min_visible=0.5)
    assert labels == [
        (2, 0.35, 0.3, 0.2, 0.1),
        (1, 0.95, 0.3, 0.1, 0.1),
    ]
    assert len(tile_labels([mostly_out], tile, min_visible=0.25)) == 1


def test_it_cuts_murals_with_the_indexer_geometry_and_splits_by_mural(murals, tmp_path):
    geometry = Geometry(tile_size=320, scale=0.5)
    info = build_yolo_dataset(murals, NAMES, tmp_path / "ds", geometry, val_fraction=0.34)
    assert len(info.val_murals) == 1 and len(info.train_murals) == 2
    assert not set(info.val_murals) & set(info.train_murals)
    manifest = read_manifest(tmp_path / "ds")
    data = json.loads((tmp_path / "ds" / "data.yaml").read_text())
    assert data["names"] == {str(i): n for i, n in enumerate(NAMES)}
    for record in manifest["murals"]:
        pyramid = Pyramid(record["pyramid"])
        tiles = tile_mural(pyramid.width, pyramid.height, 320, 0.5, 0.5)
        assert record["tiles"] == len(tiles)
    images = sorted((tmp_path / "ds" / "images" / "train").glob("*.jpg"))
    labels = sorted((tmp_path / "ds" / "labels" / "train").glob("*.txt"))
    assert len(images) == len(labels) == info.train_tiles
    # the first tile of the first training mural: the indexer's pixels, at the detector scale
    first = next(m for m in murals if m.key == info.train_murals[0])
    pyramid = Pyramid(first.pyramid)
    tile = tile_mural(pyramid.width, pyramid.height, 320, 0.5, 0.5)[0]
    expected = read_tile(pyramid, tile, 0.5)
    written = cv2.imread(str(images[0]))[..., ::-1]
    assert written.shape == expected.shape == (320, 320, 3)
    assert np.abs(written.astype(int) - expected).mean() < 3  # JPEG q95
    lines = labels[0].read_text().split()
    assert len(lines) % 5 == 0 and len(lines) // 5 == len(tile_labels(first.boxes, tile, 0.5))
    assert sum(len(p.read_text().splitlines()) for p in labels) == info.train_boxes


def test_a_failed_build_leaves_nothing_behind(murals, tmp_path):
    broken = [*murals, LabelledMural("gone", str(tmp_path / "missing.tif"), murals[0].boxes)]
    with pytest.raises(DatasetError, match="gone: its image .* is missing"):
        build_yolo_dataset(broken, NAMES, tmp_path / "ds", Geometry(tile_size=320, scale=0.5))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("murals_of", "message"),
    [
        (lambda m: [], "the data set is empty"),
        (lambda m: [LabelledMural("bare", m[0].pyramid, ())], "no accepted boxes"),
        (lambda m: [LabelledMural("x", m[0].pyramid, (LabelledBox(1, 1, 5, 5, 9),))], "class"),
    ],
)
def test_it_refuses_empty_or_inconsistent_sets(murals, tmp_path, murals_of, message):
    with pytest.raises(DatasetError, match=message):
        build_yolo_dataset(murals_of(murals), NAMES, tmp_path / "ds")
    assert not (tmp_path / "ds").exists()
