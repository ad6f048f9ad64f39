"""Projection of tile boxes to mural coordinates, and merging of the duplicates overlaps create."""

from __future__ import annotations

import numpy as np

from indexer import merging
from indexer.boxes import pairwise_overlap
from indexer.merging import (
    Detection,
    greedy_nmm,
    merge_tile_duplicates,
    nms,
    project_tile_boxes_to_mural,
)
from indexer.tiling import tile_mural

T = 640


def simulate_detector(objects, width, height, tile_size=T, scale=1.0, jitter=0.0, seed=0):
    """What a perfect detector reports on each half-overlap tile: every visible part of every
    object, as a box in tile pixels; then projected back to the mural."""
    rng = np.random.default_rng(seed)
    detections = []
    for tile in tile_mural(width, height, tile_size, scale=scale):
        boxes, scores, labels = [], [], []
        for (x1, y1, x2, y2), label in objects:
            cx1, cy1 = max(x1, tile.x), max(y1, tile.y)
            cx2, cy2 = min(x2, tile.x + tile.w), min(y2, tile.y + tile.h)
            if cx2 - cx1 < 2 or cy2 - cy1 < 2:
                continue
            box = np.array([cx1 - tile.x, cy1 - tile.y, cx2 - tile.x, cy2 - tile.y], float)
            box = box * scale + rng.normal(0, jitter, 4)  # detectors clip boxes to their input:
            boxes.append(box.clip(0, [tile.w * scale, tile.h * scale] * 2))
            visible = (cx2 - cx1) * (cy2 - cy1) / ((x2 - x1) * (y2 - y1))
            scores.append(0.5 + 0.4 * visible + rng.uniform(0, 0.05))
            labels.append(label)
        detections += project_tile_boxes_to_mural(
            np.array(boxes).reshape(-1, 4),
            np.array(scores),
            np.array(labels),
            tile.x,
            tile.y,
            scale,
            width,
            height,
            tile.w,
            tile.h,
        )
    return detections


def boxes_of(dets):
    return sorted((round(d.x1), round(d.y1), round(d.x2), round(d.y2), d.label) for d in dets)


def test_it_offsets_and_rescales_tile_boxes_into_mural_pixels():
    dets = project_tile_boxes_to_mural(
        np.array([[10, 20, 110, 220]]), np.array([0.9]), np.array([3]), 1280, 640, 0.5, 9999, 9999
    )
    assert boxes_of(dets) == [(1300, 680, 1500, 1080, 3)]


def test_it_clips_projected_boxes_to_the_mural_and_drops_empty_ones():
    dets = project_tile_boxes_to_mural(
        np.array([[600, 600, 700, 700], [700, 10, 720, 20]]),
        np.array([0.9, 0.8]),
        np.array([0, 0]),
        400,
        0,
        1.0,
        1050,
        650,
    )
    assert boxes_of(dets) == [(1000, 600, 1050, 650, 0)]


def test_it_merges_an_object_exactly_on_a_tile_seam():
    # The right edge of tile 0 (x = 640) runs through the middle of the object.
    objects = [((560, 100, 720, 300), 2)]
    raw = simulate_detector(objects, 2000, 640)
    assert len(raw) == 3  # cut in tile 0, whole in tile 1 (x 320..960), cut in tile 2 (x 640..)
    assert boxes_of(merge_tile_duplicates(raw)) == [(560, 100, 720, 300, 2)]


def test_it_merges_an_object_seen_by_four_overlapping_tiles():
    objects = [((350, 350, 600, 620), 1)]  # inside tiles (0,0), (0,1), (1,0) and (1,1)
    raw = simulate_detector(objects, 1280, 1280, jitter=1.5)
    assert len(raw) == 4
    merged = merge_tile_duplicates(raw)
    assert len(merged) == 1
    assert np.allclose(boxes_of(merged)[0][:4], (350, 350, 600, 620), atol=6)


def test_it_keeps_two_distinct_neighbours_apart():
    # Two donors standing side by side, their boxes overlapping by 12 px, across a seam.
    objects = [((600, 100, 700, 400), 3), ((688, 100, 790, 400), 3)]
    merged = merge_tile_duplicates(simulate_detector(objects, 2000, 640))
    assert boxes_of(merged) == [(600, 100, 700, 400, 3), (688, 100, 790, 400, 3)]


def test_it_never_merges_across_categories():
    objects = [((100, 100, 300, 300), 0), ((110, 110, 290, 290), 4)]
    merged = merge_tile_duplicates(simulate_detector(objects, 1000, 640))
    assert sorted(d.label for d in merged) == [0, 4]


def test_it_rebuilds_an_object_larger_than_half_a_tile_from_its_cut_parts():
    objects = [((250, 50, 720, 500), 1)]  # wider than T/2: no tile sees it whole
    merged = merge_tile_duplicates(simulate_detector(objects, 1600, 640))
    assert boxes_of(merged) == [(250, 50, 720, 500, 1)]


def test_it_handles_a_mural_smaller_than_one_tile():
    objects = [((20, 30, 120, 150), 0), ((200, 40, 290, 190), 1)]
    raw = simulate_detector(objects, 300, 200)
    assert boxes_of(merge_tile_duplicates(raw)) == [(20, 30, 120, 150, 0), (200, 40, 290, 190, 1)]


def test_it_recovers_every_object_of_a_busy_wall_exactly_once():
    rng = np.random.default_rng(7)
    objects = []
    for gx in range(12):
        for gy in range(8):
            x, y = gx * 250 + int(rng.integers(0, 60)), gy * 250 + int(rng.integers(0, 60))
            objects.append(
                (
                    (x, y, x + int(rng.integers(40, 180)), y + int(rng.integers(40, 180))),
                    int(rng.integers(0, 5)),
                )
            )
    merged = merge_tile_duplicates(simulate_detector(objects, 3100, 2100, jitter=1.0))
    assert len(merged) == len(objects)
    # one to one: each object has exactly one merged box of its class that fits it tightly
    # (jitter of 1 px on 40-180 px boxes), and each merged box fits exactly one object
    merged_boxes = np.array([(d.x1, d.y1, d.x2, d.y2) for d in merged])
    merged_labels = np.array([d.label for d in merged])
    fits = np.array(
        [
            (pairwise_overlap(np.array(box, float), merged_boxes) >= 0.9) & (merged_labels == label)
            for box, label in objects
        ]
    )
    assert (fits.sum(axis=1) == 1).all(), [objects[i] for i in np.flatnonzero(fits.sum(1) != 1)]
    assert (fits.sum(axis=0) == 1).all()


def test_nms_keeps_the_best_of_overlapping_boxes():
    a = Detection(0, 0, 100, 100, 0.9, 0)
    b = Detection(5, 5, 105, 105, 0.8, 0)
    c = Detection(300, 300, 400, 400, 0.7, 0)
    assert nms([b, a, c]) == [a, c]


def test_greedy_nmm_unions_contained_boxes_and_keeps_the_best_score():
    whole = Detection(0, 0, 100, 200, 0.6, 0)
    cut = Detection(0, 0, 40, 200, 0.9, 0)
    (merged,) = greedy_nmm([whole, cut])
    assert (merged.x1, merged.y1, merged.x2, merged.y2, merged.score) == (0, 0, 100, 200, 0.9)


def test_it_converts_detections_to_integer_element_boxes():
    assert Detection(10.2, 20.7, 50.1, 60.0, 0.5, 0).xywh() == (10, 20, 41, 40)


def test_the_spatial_lookup_merges_exactly_as_a_scan_of_every_box(monkeypatch):
    rng = np.random.default_rng(5)
    raw = [
        Detection(x, y, x + w, y + h, float(s), int(c), bool(k))
        for x, y, w, h, s, c, k in zip(
            rng.uniform(0, 3000, 600),
            rng.uniform(0, 2000, 600),
            rng.uniform(5, 400, 600),
            rng.uniform(5, 400, 600),
            rng.random(600),
            rng.integers(0, 3, 600),
            rng.random(600) < 0.3,
            strict=True,
        )
    ]
    fast = merge_tile_duplicates(raw)
    monkeypatch.setattr(merging._ByX, "near", lambda self, box, alive: np.nonzero(alive)[0])
    assert merge_tile_duplicates(raw) == fast
