"""The benchmark's mural and its ground truth: generated once and cached, and boxes scored
against it by pycocotools (the path evaluate_detector takes), class-aware at IoU 0.5.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..files import atomic_folder
from ..training.coco import Boxes, MatchCount, count_matches
from .options import IOU_MATCH, BenchOptions


@dataclass(frozen=True)
class Box:
    """A labelled box in mural pixels (x2, y2 exclusive); ground truth has score 1."""

    x1: float
    y1: float
    x2: float
    y2: float
    label: str
    score: float = 1.0


@dataclass(frozen=True)
class BenchMural:
    image: Path  # what SAHI decodes: JPEG, or a BigTIFF in gigapixel mode
    pyramid: Path  # what our indexer reads, region by region
    width: int
    height: int
    truth: list[Box]


def score_at_iou(
    predictions: Sequence[Box], truths: Sequence[Box], threshold: float = IOU_MATCH
) -> MatchCount:
    """Predictions matched to truths of the same label by COCOeval at IoU >= threshold: best
    score first, each truth at most once; a duplicate is a false positive."""
    names = sorted({b.label for b in truths} | {b.label for b in predictions})
    index = {name: i for i, name in enumerate(names)}

    def as_boxes(boxes: Sequence[Box]) -> Boxes:
        return Boxes(
            [(b.x1, b.y1, b.x2 - b.x1, b.y2 - b.y1) for b in boxes],
            [index[b.label] for b in boxes],
            [b.score for b in boxes],
        )

    return count_matches([as_boxes(truths)], [as_boxes(predictions)], names, threshold)


def cache_root() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "dunhuang-search" / "bench"


def prepare_mural(options: BenchOptions) -> BenchMural:
    """The synthetic mural, its pyramid and its ground truth, generated once and then cached
    under <cache>/bench/<generator version, size, seed, scale, format>/."""
    from ..synthetic import GENERATOR_VERSION

    fmt = "tif" if options.tiff else "jpg"
    key = (
        f"g{GENERATOR_VERSION}-{options.width}x{options.height}-seed{options.seed}"
        f"-scale{options.scale:g}-{fmt}"
    )
    root = Path(options.cache_root) if options.cache_root else cache_root()
    folder = root / key
    if not (folder / "truth.json").is_file():
        # a concurrent run that finished first keeps its folder
        with atomic_folder(folder, keep_existing=True) as staging:
            _generate(options, key, staging, fmt)
        if not (folder / "truth.json").is_file():
            raise FileExistsError(f"{folder} is in the way and holds no truth.json")
    truth = [Box(*row) for row in json.loads((folder / "truth.json").read_text())]
    return BenchMural(
        folder / f"mural.{fmt}", folder / "pyramid.tif", options.width, options.height, truth
    )


def _generate(options: BenchOptions, key: str, folder: Path, fmt: str) -> None:
    """mural.<fmt>, pyramid.tif and truth.json ([x1, y1, x2, y2, category] rows) in folder."""
    from ..imagery import build_pyramid
    from ..synthetic import plan_mural, write_mural_image

    _say(options, f"generating the {options.width}x{options.height} mural {key}")
    spec = plan_mural(options.width, options.height, options.seed, options.scale)
    bar = _tqdm(options)
    write_mural_image(spec, folder / f"mural.{fmt}", tiff=options.tiff, progress=bar)
    with _percent_bar(options, "pyramid") as report:
        build_pyramid(folder / f"mural.{fmt}", folder / "pyramid.tif", report)
    (folder / "pyramid.tif").chmod(0o644)  # a cache other users may read
    truth = [[i.x, i.y, i.x + i.w, i.y + i.h, i.category] for i in spec.instances]
    (folder / "truth.json").write_text(json.dumps(truth))


def _say(options: BenchOptions, message: str) -> None:
    if options.progress:
        print(message, file=sys.stderr, flush=True)


def _tqdm(options: BenchOptions) -> Callable[..., Iterable] | None:
    if not options.progress:
        return None
    from tqdm import tqdm

    return tqdm


@contextlib.contextmanager
def _percent_bar(options: BenchOptions, desc: str) -> Iterator[Callable[[int], None] | None]:
    """A 0-100 tqdm bar fed by build_pyramid's percentage callback; None without progress."""
    if not options.progress:
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=100, desc=desc, unit="%") as bar:
        yield lambda percent: bar.update(max(0, min(100, percent) - bar.n))
