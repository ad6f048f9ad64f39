"""Training sets for the detector: labelled murals cut into an ultralytics YOLO dataset.

Tiles are cut with exactly the indexer's geometry (tile_mural, read_tile): the detector trains
on what it will be shown. Boxes are clipped at tile edges, and a clipped box is kept only while
at least min_visible of it is inside the tile. Murals go wholly to train or to val, never split.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2

from ..files import atomic_folder
from ..imagery import Pyramid
from ..pipeline import read_tile
from ..tiling import Tile, tile_mural

Progress = Callable[..., Iterable]


class DatasetError(ValueError):
    """A data set that cannot be built; the message is one readable line."""


@dataclass(frozen=True)
class LabelledBox:
    x: int
    y: int
    w: int
    h: int
    label: int  # index into the class names


@dataclass(frozen=True)
class LabelledMural:
    """A mural's pyramid and every accepted box on it, in full-resolution pixels."""

    key: str  # stable name: the split is decided from it
    pyramid: str
    boxes: tuple[LabelledBox, ...]


@dataclass(frozen=True)
class Geometry:
    """The indexer's tiling: windows of tile_size detector pixels (tile_size / scale mural
    pixels), stepping by (1 - overlap) of a window."""

    tile_size: int = 640
    overlap: float = 0.5
    scale: float = 1.0
    min_visible: float = 0.5

    def __post_init__(self) -> None:
        if self.tile_size < 32:
            raise DatasetError(f"tile size must be at least 32, not {self.tile_size}")
        if not 0 <= self.overlap < 1:
            raise DatasetError(f"overlap must be in [0, 1), not {self.overlap}")
        if not 0 < self.scale <= 1:
            raise DatasetError(f"scale must be in (0, 1], not {self.scale}")
        if not 0 < self.min_visible <= 1:
            raise DatasetError(f"min visible fraction must be in (0, 1], not {self.min_visible}")


@dataclass
class DatasetInfo:
    data_yaml: str
    names: list[str]
    geometry: dict
    train_murals: list[str] = field(default_factory=list)
    val_murals: list[str] = field(default_factory=list)
    train_tiles: int = 0
    val_tiles: int = 0
    train_boxes: int = 0
    val_boxes: int = 0

    def to_json(self) -> dict:
        return asdict(self)

    def count(self, key: str, split: str, tiles: int, boxes: int) -> None:
        """Add one mural's tiles and boxes to its side of the split."""
        if split == "val":
            self.val_murals.append(key)
            self.val_tiles += tiles
            self.val_boxes += boxes
        else:
            self.train_murals.append(key)
            self.train_tiles += tiles
            self.train_boxes += boxes


def split_by_mural(keys: Sequence[str], val_fraction: float, seed: int = 0) -> set[str]:
    """The keys of the validation murals: a fixed share, chosen by a seeded hash of each key.

    Whole murals only, so no wall leaks across the split. At least one mural goes to each
    side when there are two or more; a single mural trains (and there is no validation).
    """
    if not 0 <= val_fraction < 1:
        raise DatasetError(f"validation fraction must be in [0, 1), not {val_fraction}")
    unique = sorted(set(keys))
    if len(unique) < 2 or val_fraction == 0:
        return set()
    n_val = min(len(unique) - 1, max(1, round(len(unique) * val_fraction)))
    ranked = sorted(unique, key=lambda k: hashlib.sha256(f"{seed}:{k}".encode()).hexdigest())
    return set(ranked[:n_val])


def tile_labels(
    boxes: Iterable[LabelledBox], tile: Tile, min_visible: float
) -> list[tuple[int, float, float, float, float]]:
    """(class, cx, cy, w, h) normalised to the tile, for the boxes visible enough in it."""
    out = []
    for box in boxes:
        if box.w <= 0 or box.h <= 0:
            continue
        x0, y0 = max(box.x, tile.x), max(box.y, tile.y)
        x1, y1 = min(box.x + box.w, tile.x + tile.w), min(box.y + box.h, tile.y + tile.h)
        if x1 <= x0 or y1 <= y0:
            continue
        if (x1 - x0) * (y1 - y0) < min_visible * box.w * box.h:
            continue
        out.append(
            (
                box.label,
                ((x0 + x1) / 2 - tile.x) / tile.w,
                ((y0 + y1) / 2 - tile.y) / tile.h,
                (x1 - x0) / tile.w,
                (y1 - y0) / tile.h,
            )
        )
    return out


def build_yolo_dataset(
    murals: Sequence[LabelledMural],
    names: Sequence[str],
    out_dir: str | os.PathLike,
    geometry: Geometry = Geometry(),
    val_fraction: float = 0.2,
    seed: int = 0,
    progress: Progress | None = None,
) -> DatasetInfo:
    """Write images/{train,val}, labels/{train,val}, data.yaml and murals.json to out_dir.

    Built in a sibling folder and renamed into place: an interrupted build leaves nothing
    under out_dir's name. out_dir must not exist yet.
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        raise DatasetError(f"{out_dir} already exists; choose a new folder")
    _check_murals(murals, names)
    val = split_by_mural([m.key for m in murals], val_fraction, seed)
    info = DatasetInfo(
        data_yaml=str(out_dir / "data.yaml"), names=list(names), geometry=asdict(geometry)
    )
    with atomic_folder(out_dir) as staging:
        for split in ("train", "val"):
            (staging / "images" / split).mkdir(parents=True)
            (staging / "labels" / split).mkdir(parents=True)
        manifest = []
        items: Iterable[LabelledMural] = murals
        if progress is not None:
            items = progress(murals, desc="murals", unit="mural", total=len(murals))
        for number, mural in enumerate(items):
            split = "val" if mural.key in val else "train"
            tiles, boxes = _write_mural_tiles(mural, number, split, staging, geometry)
            manifest.append({"key": mural.key, "split": split, "pyramid": mural.pyramid,
                             "boxes": [asdict(b) for b in mural.boxes], "tiles": tiles})
            info.count(mural.key, split, tiles, boxes)
        data = {
            "path": str(out_dir.resolve()),
            "train": "images/train",
            # ultralytics needs a val entry; with no val mural it validates on train
            "val": "images/val" if info.val_tiles else "images/train",
            "names": dict(enumerate(names)),
        }
        (staging / "data.yaml").write_text(json.dumps(data, indent=1))  # JSON is YAML
        (staging / "murals.json").write_text(
            json.dumps({"info": info.to_json(), "murals": manifest}, indent=1)
        )
    return info


def _check_murals(murals: Sequence[LabelledMural], names: Sequence[str]) -> None:
    if not murals:
        raise DatasetError("the data set is empty: there is no labelled mural")
    if sum(len(m.boxes) for m in murals) == 0:
        raise DatasetError("the data set is empty: the murals have no accepted boxes")
    for mural in murals:
        for box in mural.boxes:
            if not 0 <= box.label < len(names):
                raise DatasetError(f"{mural.key}: class index {box.label} is not in {list(names)}")


def _write_mural_tiles(
    mural: LabelledMural, number: int, split: str, root: Path, geometry: Geometry
) -> tuple[int, int]:
    try:
        pyramid = Pyramid(mural.pyramid)
    except FileNotFoundError as exc:
        raise DatasetError(f"{mural.key}: its image {mural.pyramid} is missing") from exc
    tiles = tile_mural(
        pyramid.width, pyramid.height, geometry.tile_size, geometry.overlap, geometry.scale
    )
    n_boxes = 0
    for tile in tiles:
        pixels = read_tile(pyramid, tile, geometry.scale)
        labels = tile_labels(mural.boxes, tile, geometry.min_visible)
        stem = f"m{number:04d}-r{tile.row:03d}-c{tile.col:03d}"
        cv2.imwrite(
            str(root / "images" / split / f"{stem}.jpg"),
            pixels[..., ::-1],
            [cv2.IMWRITE_JPEG_QUALITY, 95],
        )
        (root / "labels" / split / f"{stem}.txt").write_text(
            "".join(f"{c} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}\n" for c, cx, cy, w, h in labels)
        )
        n_boxes += len(labels)
    return len(tiles), n_boxes


def synthetic_murals(
    folder: str | os.PathLike,
    count: int,
    width: int,
    height: int,
    seed: int,
    names: Sequence[str],
    scale: float = 1.0,
    progress: Progress | None = None,
) -> list[LabelledMural]:
    """Generate count synthetic murals (image, pyramid) under folder, with their exact boxes.

    The seeds are image_seed(seed, i), as make_demo_murals draws them: a training set and an
    evaluation set made with different seeds never share a wall.
    """
    from ..imagery import build_pyramid
    from ..synthetic import GENERATOR_VERSION, plan_murals, write_mural_image

    if count < 1:
        raise DatasetError(f"count must be at least 1, not {count}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    murals = []
    for index, spec in plan_murals(
        count, width, height, seed, scale, progress, desc="synthetic murals"
    ):
        unknown = sorted({i.category for i in spec.instances} - set(names))
        if unknown:
            raise DatasetError(f"the detector's classes {list(names)} lack {unknown}")
        # the generator's version is in the key: a cached wall of an older generator (other
        # colours or drawings for the same seed) is never evaluated against today's boxes
        key = f"synthetic-g{GENERATOR_VERSION}-{width}x{height}-s{seed}-{index}"
        pyramid = folder / f"{key}.tif"
        if not pyramid.is_file():
            image = folder / f"{key}.jpg"
            write_mural_image(spec, image)
            build_pyramid(image, pyramid)
            image.unlink()
        boxes = tuple(
            LabelledBox(i.x, i.y, i.w, i.h, list(names).index(i.category))
            for i in spec.instances
        )
        murals.append(LabelledMural(key, str(pyramid), boxes))
    return murals


def read_manifest(dataset_dir: str | os.PathLike) -> dict:
    """murals.json of a data set built by build_yolo_dataset."""
    path = Path(dataset_dir) / "murals.json"
    if not path.is_file():
        raise DatasetError(f"{dataset_dir} is not a data set built here (no murals.json)")
    return json.loads(path.read_text())
