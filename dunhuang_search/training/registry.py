"""Which detector the indexer uses: the active DetectorModel, else DETECTOR_WEIGHTS."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .models import DetectorModel


@dataclass(frozen=True)
class DetectorChoice:
    name: str
    weights: str
    tile_size: int  # detector pixels
    scale: float  # detector pixels per mural pixel
    classes: tuple[str, ...] | None  # None: read from the checkpoint


def active_detector() -> DetectorChoice:
    """The active DetectorModel with its training geometry; without one, the settings'
    DETECTOR_WEIGHTS at DUNHUANG_TILE_SIZE and DUNHUANG_INDEX_SCALE."""
    row = DetectorModel.active()
    if row is not None:
        return DetectorChoice(
            row.name, row.weights, row.tile_size, row.scale, tuple(row.classes)
        )
    weights = str(settings.DETECTOR_WEIGHTS)
    return DetectorChoice(
        Path(weights).stem, weights, settings.INDEX_TILE_SIZE, settings.INDEX_SCALE, None
    )
