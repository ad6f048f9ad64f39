"""The registry of detectors: checkpoints kept and recorded as DetectorModel rows, and which
one the indexer uses (the active DetectorModel, else DETECTOR_WEIGHTS)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from indexer.files import atomic_write, file_sha256
from indexer.training.train import TrainingError

from .models import DetectorModel


@dataclass(frozen=True)
class DetectorChoice:
    name: str
    weights: str
    tile_size: int  # detector pixels
    scale: float  # detector pixels per mural pixel
    classes: tuple[str, ...] | None  # None: read from the checkpoint
    thresholds: dict = None  # {class: {"threshold", ...}}: the per-class operating thresholds

    def threshold_values(self) -> dict[str, float]:
        return {
            name: float(entry["threshold"])
            for name, entry in (self.thresholds or {}).items()
            if isinstance(entry, dict) and entry.get("threshold") is not None
        }


def active_detector() -> DetectorChoice:
    """The active DetectorModel with its training geometry. Without one, DETECTOR_WEIGHTS at the
    geometry of its sidecar (`<weights>.json`, as the demo detector has) or, failing that, at
    DUNHUANG_TILE_SIZE and DUNHUANG_INDEX_SCALE."""
    row = DetectorModel.active()
    if row is not None:
        return choice_of(row)
    weights = str(settings.DETECTOR_WEIGHTS)
    card = weights_card(weights)
    return DetectorChoice(
        card.get("name", Path(weights).stem),
        weights,
        int(card.get("tile_size", settings.INDEX_TILE_SIZE)),
        float(card.get("scale", settings.INDEX_SCALE)),
        tuple(card["classes"]) if "classes" in card else None,
        card.get("thresholds") or {},
    )


def choice_of(row: DetectorModel) -> DetectorChoice:
    return DetectorChoice(
        row.name, row.weights, row.tile_size, row.scale, tuple(row.classes), row.thresholds
    )


def weights_card(weights: str | Path) -> dict:
    """A checkpoint's JSON sidecar (name, classes, tile_size, scale, metrics, command), or {}."""
    path = Path(weights).with_suffix(".json")
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def write_weights_card(weights: str | Path, row: DetectorModel, command: str) -> Path:
    """Write `<weights>.json` beside a checkpoint copied out of the registry (train_detector
    --out): what another install needs to index with it as it was trained."""
    path = Path(weights).with_suffix(".json")
    card = {
        "name": row.name,
        "classes": list(row.classes),
        "tile_size": row.tile_size,
        "scale": row.scale,
        "sha256": row.sha256,
        "metrics": row.metrics,
        "thresholds": row.thresholds,
        "parameters": row.parameters,
        "command": command,
    }
    path.write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def register_weights_file(weights: str | Path, activate_if_none: bool = True) -> DetectorModel:
    """A DetectorModel for a checkpoint that ships with a sidecar (the demo detector), in place.

    Idempotent: the same file (by sha256) is registered once. It is made active when no other
    detector is, so that a fresh install indexes with it.
    """
    weights = Path(weights)
    digest = file_sha256(weights)
    row = DetectorModel.objects.filter(sha256=digest, weights=str(weights)).first()
    if row is None:
        card = weights_card(weights)
        name = card.get("name", weights.stem)
        if DetectorModel.objects.filter(name=name).exists():
            name = f"{name}-{digest[:8]}"
        row = register(
            weights,
            name,
            int(card.get("tile_size", settings.INDEX_TILE_SIZE)),
            float(card.get("scale", settings.INDEX_SCALE)),
            card.get("metrics", {}),
            {
                "command": card.get("command", ""),
                "source": str(weights),
                **({"calibration": card["calibration"]} if "calibration" in card else {}),
            },
            copy=False,
            thresholds=card.get("thresholds") or {},
        )
    if activate_if_none and DetectorModel.active() is None:
        row.activate()
    return row


def register(
    weights: Path,
    name: str,
    tile_size: int,
    scale: float,
    metrics: dict,
    parameters: dict,
    activate: bool = False,
    copy: bool = True,
    thresholds: dict | None = None,
) -> DetectorModel:
    """Keep a checkpoint under DETECTOR_MODELS_DIR and record it; optionally make it active."""
    from indexer.detection import Detector, DetectorError

    if DetectorModel.objects.filter(name=name).exists():
        raise TrainingError(f"a detector named {name!r} exists already; choose another --name")
    try:
        names = Detector(weights, runtime="torch", device="cpu").names
    except DetectorError as exc:
        raise TrainingError(str(exc)) from exc
    target = weights
    if copy:
        target = Path(settings.DETECTOR_MODELS_DIR) / name / "best.pt"
        with atomic_write(target) as staged:
            shutil.copyfile(weights, staged)
    try:
        row = DetectorModel.objects.create(
            name=name,
            weights=str(target),
            sha256=file_sha256(target),
            classes=[names[i] for i in sorted(names)],
            tile_size=tile_size,
            scale=scale,
            metrics=metrics,
            parameters=parameters,
            thresholds=thresholds or {},
        )
        if activate:
            row.activate()
    except BaseException:
        if copy:
            shutil.rmtree(target.parent, ignore_errors=True)
        raise
    return row


def default_name() -> str:
    return "yolo-" + timezone.now().strftime("%Y%m%d-%H%M%S")
