"""Test doubles with known answers: a detector that reports the synthetic ground truth visible
in each tile (a perfect detector), and a small deterministic colour-layout embedder."""

from __future__ import annotations

import hashlib

import cv2
import numpy as np

from indexer.detection import TileBoxes
from indexer.imagery import Pyramid
from indexer.pipeline import IndexConfig, read_tile
from indexer.synthetic import CATEGORIES, MuralSpec
from indexer.tiling import tile_mural


def _digest(array: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(array).tobytes()).hexdigest()


class OracleDetector:
    """Knows, for every tile of one mural, which labelled instances it shows."""

    names = dict(enumerate(CATEGORIES))
    version = "oracle"
    runtime = "oracle"
    device = "cpu"

    def __init__(self, spec: MuralSpec, pyramid: Pyramid, config: IndexConfig, min_visible=4):
        self.answers: dict[str, TileBoxes] = {}
        self.calls = 0
        self.tiles_seen = 0
        for tile in tile_mural(
            spec.width, spec.height, config.tile_size, config.overlap, config.scale
        ):
            boxes, labels = [], []
            for inst in spec.instances:
                x1, y1 = max(inst.x, tile.x), max(inst.y, tile.y)
                x2 = min(inst.x + inst.w, tile.x + tile.w)
                y2 = min(inst.y + inst.h, tile.y + tile.h)
                if x2 - x1 >= min_visible and y2 - y1 >= min_visible:
                    boxes.append([x1 - tile.x, y1 - tile.y, x2 - tile.x, y2 - tile.y])
                    labels.append(CATEGORIES.index(inst.category))
            digest = _digest(read_tile(pyramid, tile, config.scale))
            self.answers[digest] = TileBoxes(
                np.array(boxes, np.float32).reshape(-1, 4) * config.scale,
                np.linspace(0.9, 0.6, len(boxes), dtype=np.float32),
                np.array(labels, np.int64),
            )

    def detect(self, tiles):
        self.calls += 1
        self.tiles_seen += len(tiles)
        return [self.answers[_digest(tile)] for tile in tiles]


class ColourLayoutEmbedder:
    """A 48-dim embedding: the crop shrunk to 4x4 colours, normalised. Deterministic, fast."""

    id = "colour-layout-test"
    dim = 48

    def embed_images(self, images):
        out = np.stack(
            [
                cv2.resize(np.ascontiguousarray(image), (4, 4), interpolation=cv2.INTER_AREA)
                .astype(np.float32)
                .reshape(-1)
                + 1.0
                for image in images
            ]
        )
        return out / np.linalg.norm(out, axis=1, keepdims=True)
