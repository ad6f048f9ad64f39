"""Dense region vectors: multi-scale half-overlap windows over a mural, embedded without a detector.

Query by example can then rank regions of motifs no detector was trained on (few-shot search).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np

from .imagery import Pyramid
from .merging import Detection
from .pipeline import Checkpoint, Progress, crop_with_context, is_blank
from .tiling import axis_starts, tile_mural

COARSEN_STEP = 1.25  # the smallest window side grows by this factor until the cap is met


@dataclass(frozen=True)
class DenseConfig:
    """Window sides in full-resolution mural pixels, and the cap on windows per mural.

    The defaults suit 300 dpi murals: sides of 128, 256 and 512 px are about 1, 2 and 4 cm of
    wall. Neighbours share `overlap` of a window (0.5: stride of half a window). At most
    `max_windows` windows are made per mural (20,000 vectors of 1280 floats are about 100 MB
    in pgvector); above it the smallest side is coarsened (see plan_windows), never truncated.
    """

    window_sides: tuple[int, ...] = (128, 256, 512)
    overlap: float = 0.5
    max_windows: int = 20_000
    skip_blank: bool = True
    blank_std: float = 3.0  # a window whose every channel varies less than this is blank
    embed_batch_size: int = 64  # windows per embedding call and per checkpointed batch
    read_side: int = 512  # windows are read at most this many pixels long, as query crops are

    def fingerprint(self, embedder_id: str) -> dict:
        return {**asdict(self), "window_sides": list(self.window_sides), "embedder": embedder_id}


@dataclass(frozen=True)
class DenseWindow:
    """One window in full-resolution mural pixels; `side` is the nominal side of its scale."""

    index: int
    side: int
    x: int
    y: int
    w: int
    h: int

    def as_detection(self) -> Detection:
        return Detection(self.x, self.y, self.x + self.w, self.y + self.h, 0.0, 0)


@dataclass(frozen=True)
class WindowPlan:
    """The windows of one mural; `sides` are the scales used, after any coarsening."""

    requested: tuple[int, ...]
    sides: tuple[int, ...]
    windows: list[DenseWindow]

    @property
    def coarsened(self) -> bool:
        return self.sides != self.requested


@dataclass(frozen=True)
class DenseResult:
    """The non-blank windows of a mural and their vectors (row i belongs to windows[i])."""

    plan: WindowPlan
    windows: list[DenseWindow]
    vectors: np.ndarray
    blank: int  # windows skipped as blank


def count_windows(width: int, height: int, side: int, overlap: float) -> int:
    """How many windows of `side` tile_mural lays over a width x height mural."""
    stride = max(1, int(math.floor(side * (1 - overlap))))
    return len(axis_starts(width, side, stride)) * len(axis_starts(height, side, stride))


def plan_windows(
    width: int,
    height: int,
    sides: Sequence[int] = DenseConfig.window_sides,
    overlap: float = 0.5,
    max_windows: int = DenseConfig.max_windows,
) -> WindowPlan:
    """Half-overlap windows at each side (smallest first, row by row), at most max_windows.

    Sides at least as long as the mural collapse into one whole-mural window. While there are
    more than max_windows windows, the smallest side grows by COARSEN_STEP; once it reaches the
    next side it is dropped. So a gigapixel mural loses its finest scale first, never a part
    of the wall: every scale kept covers the whole mural (a cap of 1 leaves one window).
    """
    if width <= 0 or height <= 0:
        raise ValueError("the mural must have a positive size")
    if not sides or min(sides) <= 0:
        raise ValueError("window sides must be positive")
    if max_windows < 1:
        raise ValueError("max_windows must be at least 1")
    longest = max(width, height)
    requested = tuple(sorted({min(int(s), longest) for s in sides}))
    current = list(requested)
    while sum(count_windows(width, height, s, overlap) for s in current) > max_windows:
        coarser = min(longest, int(math.ceil(current[0] * COARSEN_STEP)))
        if len(current) > 1 and coarser >= current[1]:
            current.pop(0)
        else:
            current[0] = coarser
    windows: list[DenseWindow] = []
    for side in current:
        for tile in tile_mural(width, height, tile_size=side, overlap=overlap):
            windows.append(DenseWindow(len(windows), side, tile.x, tile.y, tile.w, tile.h))
    return WindowPlan(requested, tuple(current), windows)


def read_windows(pyramid: Pyramid, windows: Sequence[DenseWindow], read_side: int) -> list:
    """Each window's pixels (no context margin), at most read_side pixels long."""
    return [crop_with_context(pyramid, w.as_detection(), 0.0, read_side) for w in windows]


def embed_windows(
    crops: Sequence[np.ndarray], embedder, config: DenseConfig, dim: int
) -> np.ndarray:
    """Vectors of the crops; blank crops get a zero row (embedders L2-normalise the others)."""
    out = np.zeros((len(crops), dim), dtype=np.float32)
    keep = [
        i for i, c in enumerate(crops) if not (config.skip_blank and is_blank(c, config.blank_std))
    ]
    if keep:
        out[keep] = embedder.embed_images([crops[i] for i in keep])
    return out


def index_dense(
    pyramid_path: str | os.PathLike,
    embedder,
    config: DenseConfig,
    checkpoint: Checkpoint,
    progress: Progress | None = None,
) -> DenseResult:
    """Embed the dense windows of one mural, resuming from `checkpoint` (one file per batch).

    The next batch's pixels are read while the embedder works on this one.
    """
    pyramid = Pyramid(pyramid_path)
    plan = plan_windows(
        pyramid.width, pyramid.height, config.window_sides, config.overlap, config.max_windows
    )
    report = progress or (lambda stage, n, total: None)
    size = config.embed_batch_size
    starts = list(range(0, len(plan.windows), size))
    done = checkpoint.done_vectors()
    todo = [s for s in starts if s not in done]
    finished = len(plan.windows) - sum(len(plan.windows[s : s + size]) for s in todo)
    report("windows", finished, len(plan.windows))

    def read(start: int) -> list[np.ndarray]:
        return read_windows(pyramid, plan.windows[start : start + size], config.read_side)

    with ThreadPoolExecutor(max_workers=1) as reader:
        future = reader.submit(read, todo[0]) if todo else None
        for i, start in enumerate(todo):
            crops = future.result()
            future = reader.submit(read, todo[i + 1]) if i + 1 < len(todo) else None
            checkpoint.record_vectors(start, embed_windows(crops, embedder, config, embedder.dim))
            finished += len(crops)
            report("windows", finished, len(plan.windows))
    done = checkpoint.done_vectors()
    all_vectors = (
        np.concatenate([done[s] for s in starts])
        if starts
        else np.zeros((0, embedder.dim), np.float32)
    )
    kept = np.flatnonzero(np.abs(all_vectors).sum(axis=1) > 0)
    return DenseResult(
        plan=plan,
        windows=[plan.windows[i] for i in kept],
        vectors=all_vectors[kept],
        blank=len(plan.windows) - len(kept),
    )

