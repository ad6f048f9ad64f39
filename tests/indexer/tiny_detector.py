"""A tiny YOLOv8n detector trained from scratch on synthetic mural tiles, for the indexer tests.

Its boxes are poor (a few epochs on CPU); what matters is a real, loadable checkpoint whose classes
are the five category slugs. Trained once per recipe and cached under ~/.cache/dunhuang-search.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from unittest import mock

import cv2
import numpy as np

from indexer.tiling import axis_starts
from indexer.vectors import locked

CATEGORY_SLUGS: tuple[str, ...] = (
    "inscription",
    "thousand-buddha",
    "donor",
    "apsara",
    "non-buddhist-figure",
)


@dataclass(frozen=True)
class TinyDetectorRecipe:
    """Everything that decides the trained weights; its hash keys the cache."""

    murals: tuple[tuple[int, int, int], ...] = ((1280, 960, 15),)  # inscriptions, donors, apsaras
    tile: int = 320
    stride: int = 160
    min_visible: float = 0.5  # keep a clipped box when at least this share of it is in the tile
    val_tiles: int = 8
    epochs: int = 12
    imgsz: int = 320
    batch: int = 8
    # From scratch, ~60 optimizer steps only lift scores above the class prior (~0.002) with a high
    # learning rate, no warm-up, and a step every batch (nbs = batch, not 64).
    optimizer: str = "AdamW"
    lr0: float = 0.01
    warmup_epochs: float = 0.0
    nbs: int = 8
    seed: int = 0
    names: tuple[str, ...] = CATEGORY_SLUGS

    def key(self) -> str:
        import ultralytics

        from indexer.synthetic import GENERATOR_VERSION

        text = json.dumps(
            {
                **asdict(self),
                "ultralytics": ultralytics.__version__,
                "generator": GENERATOR_VERSION,
            },
            sort_keys=True,
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def default_cache_root() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "dunhuang-search" / "test-detectors"


def yolo_labels(
    instances, x0: int, y0: int, size: int, names: tuple[str, ...], min_visible: float
) -> list[str]:
    """YOLO txt lines (class cx cy w h, normalised) for the instances visible in one tile."""
    lines = []
    for inst in instances:
        ax0, ay0 = max(inst.x, x0), max(inst.y, y0)
        ax1, ay1 = min(inst.x + inst.w, x0 + size), min(inst.y + inst.h, y0 + size)
        if ax1 <= ax0 or ay1 <= ay0 or inst.w * inst.h == 0:
            continue
        if (ax1 - ax0) * (ay1 - ay0) < min_visible * inst.w * inst.h:
            continue
        cx, cy = (ax0 + ax1) / 2 - x0, (ay0 + ay1) / 2 - y0
        w, h = ax1 - ax0, ay1 - ay0
        cls = names.index(inst.category)
        lines.append(f"{cls} {cx / size:.6f} {cy / size:.6f} {w / size:.6f} {h / size:.6f}")
    return lines


def build_dataset(root: Path, recipe: TinyDetectorRecipe) -> Path:
    """Cut half-overlap tiles from synthetic murals into a YOLO dataset; returns data.yaml."""
    from indexer.synthetic import plan_mural, render_mural

    images, labels = root / "images", root / "labels"
    for split in ("train", "val"):
        (images / split).mkdir(parents=True, exist_ok=True)
        (labels / split).mkdir(parents=True, exist_ok=True)
    count = 0
    for width, height, seed in recipe.murals:
        spec = plan_mural(width, height, seed)
        mural = render_mural(spec)
        for y0 in axis_starts(height, recipe.tile, recipe.stride):
            for x0 in axis_starts(width, recipe.tile, recipe.stride):
                tile = np.zeros((recipe.tile, recipe.tile, 3), dtype=np.uint8)
                crop = mural[y0 : y0 + recipe.tile, x0 : x0 + recipe.tile]
                tile[: crop.shape[0], : crop.shape[1]] = crop
                lines = yolo_labels(
                    spec.instances, x0, y0, recipe.tile, recipe.names, recipe.min_visible
                )
                stem = f"m{seed}_{y0}_{x0}"
                for split in ("train", "val") if count < recipe.val_tiles else ("train",):
                    cv2.imwrite(str(images / split / f"{stem}.png"), tile[..., ::-1])
                    (labels / split / f"{stem}.txt").write_text("\n".join(lines))
                count += 1
    data = {
        "path": str(root),
        "train": "images/train",
        "val": "images/val",
        "names": dict(enumerate(recipe.names)),
    }
    yaml_path = root / "data.yaml"
    yaml_path.write_text(json.dumps(data))  # JSON is YAML
    return yaml_path


def train_tiny_detector(workdir: Path, recipe: TinyDetectorRecipe) -> Path:
    """Train YOLOv8n from yolov8n.yaml (no download) in workdir; returns the stripped best.pt."""
    from indexer.detection import offline_ultralytics

    yolo = offline_ultralytics()
    data_yaml = build_dataset(workdir / "dataset", recipe)
    model = yolo("yolov8n.yaml")
    # check_det_dataset fetches Arial.ttf for plots when it is missing; we never plot.
    with mock.patch("ultralytics.data.utils.check_font", lambda *args, **kwargs: None):
        model.train(
            data=str(data_yaml),
            epochs=recipe.epochs,
            imgsz=recipe.imgsz,
            batch=recipe.batch,
            workers=0,
            device="cpu",
            plots=False,
            val=False,
            amp=False,
            project=str(workdir / "runs"),
            name="train",
            exist_ok=True,
            optimizer=recipe.optimizer,
            lr0=recipe.lr0,
            warmup_epochs=recipe.warmup_epochs,
            nbs=recipe.nbs,
            seed=recipe.seed,
            deterministic=True,
            verbose=False,
        )
    weights = Path(model.trainer.best)
    if not weights.is_file():
        weights = Path(model.trainer.last)
    return weights


def tiny_detector_weights(
    recipe: TinyDetectorRecipe | None = None, cache_root: Path | None = None
) -> Path:
    """The cached best.pt for recipe, training it first (under a lock) when it is missing."""
    recipe = recipe or TinyDetectorRecipe()
    root = cache_root or default_cache_root()
    final = root / recipe.key() / "best.pt"
    if final.is_file():
        return final
    with locked(root / recipe.key()):
        if final.is_file():  # another session trained it while we waited
            return final
        final.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".train-", dir=root) as tmp:
            started = time.monotonic()
            weights = train_tiny_detector(Path(tmp), recipe)
            staged = final.with_name(f".best-{os.getpid()}.pt")
            shutil.copyfile(weights, staged)
            os.replace(staged, final)
            seconds = round(time.monotonic() - started, 1)
            (final.parent / "recipe.json").write_text(
                json.dumps({**asdict(recipe), "train_seconds": seconds}, indent=1)
            )
    return final
