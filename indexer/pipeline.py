"""One mural -> elements with vectors: tile, detect, project, merge, crop, embed; resumable.

Progress is checkpointed per tile batch and per embedding batch, so a killed run resumes.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .files import atomic_write
from .imagery import Pyramid, release_freed_memory
from .merging import Detection, merge_tile_duplicates, project_tile_boxes_to_mural
from .tiling import Tile, tile_mural

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class IndexConfig:
    tile_size: int = 640
    overlap: float = 0.5
    scale: float = 1.0  # mural pixels -> detector pixels
    batch_size: int = 8
    skip_blank: bool = True
    blank_std: float = 3.0  # a tile whose every channel varies less than this is blank
    iou_threshold: float = 0.5
    ios_threshold: float = 0.6
    min_box: int = 4  # boxes narrower or lower than this (mural px) are dropped
    context_margin: float = 0.1  # crops get this fraction of their size around them
    embed_batch_size: int = 32

    def fingerprint(self, detector_version: str, embedder_id: str) -> dict:
        return {**asdict(self), "detector": detector_version, "embedder": embedder_id}


@dataclass(frozen=True)
class FoundElement:
    x: int
    y: int
    w: int
    h: int
    label: int
    score: float
    vector: np.ndarray


class Checkpoint:
    """A folder holding what a run has finished: tiles.jsonl (one line per tile batch) and
    vectors-<start>.npy (one file per embedding batch). Lines and files are only ever
    appended or renamed into place, so a kill -9 leaves at worst a torn last line, ignored."""

    def __init__(self, folder: str | os.PathLike, fingerprint: dict):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        meta = self.folder / "fingerprint.json"
        if meta.exists() and json.loads(meta.read_text()) != fingerprint:
            self.clear()
            self.folder.mkdir(parents=True, exist_ok=True)
        if not meta.exists():
            meta.write_text(json.dumps(fingerprint, sort_keys=True))

    @property
    def tiles_file(self) -> Path:
        return self.folder / "tiles.jsonl"

    def done_tiles(self) -> dict[int, list[Detection]]:
        done: dict[int, list[Detection]] = {}
        if not self.tiles_file.exists():
            return done
        for line in self.tiles_file.read_text().splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # torn last line of a killed run
            for index, dets in record.items():
                done[int(index)] = [Detection(*d) for d in dets]
        return done

    def record_tiles(self, results: Iterable[tuple[int, list[Detection]]]) -> None:
        record = {
            str(index): [[d.x1, d.y1, d.x2, d.y2, d.score, d.label, d.cut] for d in dets]
            for index, dets in results
        }
        with self.tiles_file.open("a") as f:
            f.write("\n" + json.dumps(record) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def done_vectors(self) -> dict[int, np.ndarray]:
        return {
            int(path.stem.split("-")[1]): np.load(path)
            for path in sorted(self.folder.glob("vectors-*.npy"))
        }

    def record_vectors(self, start: int, vectors: np.ndarray) -> None:
        with atomic_write(self.folder / f"vectors-{start:09d}.npy") as staged:
            np.save(staged, vectors)

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def read_tile(pyramid: Pyramid, tile: Tile, scale: float) -> np.ndarray:
    """The tile's pixels as the detector sees them (RGB uint8), resized by scale."""
    if scale == 1.0:
        return pyramid.read_full_res(tile.x, tile.y, tile.w, tile.h)
    out_w, out_h = max(1, round(tile.w * scale)), max(1, round(tile.h * scale))
    return pyramid.read_region(tile.x, tile.y, tile.w, tile.h, out_w, out_h).numpy()


def is_blank(tile: np.ndarray, threshold: float) -> bool:
    """True for a featureless tile (uniform background, padding), which holds no element."""
    sample = tile[::4, ::4].reshape(-1, tile.shape[-1]).astype(np.float32)
    return bool(sample.std(axis=0).max() < threshold)


def detect_tile_batch(
    pyramid: Pyramid, tiles: Sequence[Tile], detector, config: IndexConfig
) -> list[tuple[int, list[Detection]]]:
    """Read and detect one batch of tiles; boxes come back in mural pixels, by tile index."""
    return _detect_arrays(pyramid, tiles, _read_batch(pyramid, tiles, config), detector, config)


def crop_with_context(
    pyramid: Pyramid, det: Detection, margin: float, max_side: int = 512
) -> np.ndarray:
    """The element's pixels plus a margin of context on each side, clipped to the mural.

    Large elements are read from a coarser pyramid level, at most max_side pixels long.
    """
    x, y, w, h = det.xywh()
    mx, my = int(round(w * margin)), int(round(h * margin))
    x0, y0 = max(0, x - mx), max(0, y - my)
    x1, y1 = min(pyramid.width, x + w + mx), min(pyramid.height, y + h + my)
    shrink = min(1.0, max_side / max(x1 - x0, y1 - y0))
    out_w, out_h = max(1, round((x1 - x0) * shrink)), max(1, round((y1 - y0) * shrink))
    return pyramid.read_region(x0, y0, x1 - x0, y1 - y0, out_w, out_h).numpy()


def embed_crop_batch(
    pyramid: Pyramid, dets: Sequence[Detection], embedder, config: IndexConfig
) -> np.ndarray:
    crops = [crop_with_context(pyramid, det, config.context_margin) for det in dets]
    return embedder.embed_images(crops)


def batches(items: Sequence, size: int) -> list[Sequence]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class LocalRunner:
    """Runs batches in this process, reading the next batch's pixels while the model works."""

    def __init__(self, detector, embedder):
        self.detector, self.embedder = detector, embedder

    def detect(self, pyramid_path: str, tile_batches, config: IndexConfig):
        from concurrent.futures import ThreadPoolExecutor

        pyramid = Pyramid(pyramid_path)
        with ThreadPoolExecutor(max_workers=1) as reader:
            future = None
            for i, tiles in enumerate(tile_batches):
                if future is None:
                    future = reader.submit(_read_batch, pyramid, tiles, config)
                arrays = future.result()
                future = (
                    reader.submit(_read_batch, pyramid, tile_batches[i + 1], config)
                    if i + 1 < len(tile_batches)
                    else None
                )
                yield _detect_arrays(pyramid, tiles, arrays, self.detector, config)

    def embed(self, pyramid_path: str, det_batches, config: IndexConfig):
        pyramid = Pyramid(pyramid_path)
        for dets in det_batches:
            yield embed_crop_batch(pyramid, dets, self.embedder, config)


def read_tiles(pyramid: Pyramid, tiles: Sequence[Tile], scale: float) -> list[np.ndarray]:
    """The pixels of several tiles, exactly as read_tile gives them.

    At scale 1 the tiles of one grid row are cut from one read of the strip they cover: the
    pyramid's JPEG tiles under a half-overlap row are then decoded once, not once per window
    (about four times fewer decodes). Resized tiles are read one by one, so that their
    resampling never depends on the batch they came in.
    """
    if scale != 1.0:
        return [read_tile(pyramid, tile, scale) for tile in tiles]
    arrays: dict[int, np.ndarray] = {}
    rows: dict[tuple[int, int], list[Tile]] = {}
    for tile in tiles:
        rows.setdefault((tile.y, tile.h), []).append(tile)
    for (y, h), row in rows.items():
        x0 = min(tile.x for tile in row)
        x1 = max(tile.x + tile.w for tile in row)
        strip = pyramid.read_full_res(x0, y, x1 - x0, h)
        for tile in row:
            arrays[tile.index] = np.ascontiguousarray(strip[:, tile.x - x0 : tile.x - x0 + tile.w])
    return [arrays[tile.index] for tile in tiles]


def _read_batch(pyramid: Pyramid, tiles: Sequence[Tile], config: IndexConfig) -> list[np.ndarray]:
    arrays = read_tiles(pyramid, tiles, config.scale)
    release_freed_memory()
    return arrays


def _detect_arrays(pyramid, tiles, arrays, detector, config) -> list[tuple[int, list[Detection]]]:
    keep = [
        i for i, a in enumerate(arrays) if not (config.skip_blank and is_blank(a, config.blank_std))
    ]
    results: dict[int, list[Detection]] = {tile.index: [] for tile in tiles}
    if keep:
        for i, out in zip(keep, detector.detect([arrays[i] for i in keep]), strict=True):
            tile = tiles[i]
            results[tile.index] = project_tile_boxes_to_mural(
                out.boxes,
                out.scores,
                out.labels,
                tile.x,
                tile.y,
                config.scale,
                pyramid.width,
                pyramid.height,
                tile.w,
                tile.h,
            )
    return [(tile.index, results[tile.index]) for tile in tiles]


def detect_mural(
    pyramid_path: str | os.PathLike,
    runner,
    config: IndexConfig,
    checkpoint: Checkpoint,
    progress: Progress | None = None,
) -> list[Detection]:
    """The mural's merged detections, in reading order, resuming from `checkpoint`.

    Detection results are merged across tiles only once every tile is done, in tile order,
    so the result does not depend on the order batches finished (or on the engine).
    """
    pyramid_path = str(pyramid_path)
    pyramid = Pyramid(pyramid_path)
    tiles = tile_mural(
        pyramid.width, pyramid.height, config.tile_size, config.overlap, config.scale
    )
    done = checkpoint.done_tiles()
    todo = [tile for tile in tiles if tile.index not in done]
    report = progress or (lambda stage, n, total: None)
    report("tiles", len(tiles) - len(todo), len(tiles))
    finished = len(tiles) - len(todo)
    for results in runner.detect(pyramid_path, batches(todo, config.batch_size), config):
        checkpoint.record_tiles(results)
        finished += len(results)
        report("tiles", finished, len(tiles))
    done = checkpoint.done_tiles()
    raw = [det for index in sorted(done) for det in done[index]]
    merged = merge_tile_duplicates(raw, config.iou_threshold, config.ios_threshold)
    merged = [d for d in merged if d.xywh()[2] >= config.min_box and d.xywh()[3] >= config.min_box]
    merged.sort(key=lambda d: (d.xywh()[1], d.xywh()[0], d.label, -d.score))
    return merged


def index_mural(
    pyramid_path: str | os.PathLike,
    runner,
    config: IndexConfig,
    checkpoint: Checkpoint,
    progress: Progress | None = None,
) -> list[FoundElement]:
    """Find (detect_mural) and embed the elements of one mural, resuming from `checkpoint`."""
    pyramid_path = str(pyramid_path)
    merged = detect_mural(pyramid_path, runner, config, checkpoint, progress)
    report = progress or (lambda stage, n, total: None)
    vectors = checkpoint.done_vectors()
    starts = list(range(0, len(merged), config.embed_batch_size))
    todo_starts = [s for s in starts if s not in vectors]
    report(
        "crops",
        len(merged) - sum(len(merged[s : s + config.embed_batch_size]) for s in todo_starts),
        len(merged),
    )
    todo_batches = [merged[s : s + config.embed_batch_size] for s in todo_starts]
    embedded = len(merged) - sum(len(b) for b in todo_batches)
    for start, out in zip(
        todo_starts, runner.embed(pyramid_path, todo_batches, config), strict=True
    ):
        checkpoint.record_vectors(start, out)
        embedded += len(out)
        report("crops", embedded, len(merged))
    vectors = checkpoint.done_vectors()
    found = []
    for start in starts:
        for det, vector in zip(
            merged[start : start + config.embed_batch_size], vectors[start], strict=True
        ):
            x, y, w, h = det.xywh()
            found.append(FoundElement(x, y, w, h, det.label, det.score, vector))
    return found
