"""The registry of trained inpainters: a model file and its card become an InpainterModel row
(metrics, the data it saw, the command that made it), which the studio can use by name."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction

from indexer.restoration import RestorationError
from indexer.restoration.models import file_sha256

from .models import InpainterModel


def inpainter_dir() -> Path:
    """Where trained inpainters and their runs live (beside the detector models)."""
    return Path(settings.DETECTOR_MODELS_DIR).parent / "inpainters"


def register_inpainter(card: dict, weights: str | Path, activate: bool = False) -> InpainterModel:
    """Register (or update, by name) a trained model from its card; with `activate`, make it
    the model pconv and search-guided use by default."""
    path = Path(weights).resolve()
    if not path.is_file():
        raise RestorationError(f"no such model file: {path}")
    sha = file_sha256(path)
    if card.get("sha256") and card["sha256"] != sha:
        raise RestorationError(f"{path.name} does not match its card's sha256")
    with transaction.atomic():
        row, _ = InpainterModel.objects.update_or_create(
            name=card["name"],
            defaults={
                "weights": str(path),
                "sha256": sha,
                "metrics": card.get("metrics") or {},
                "data": card.get("data") or {},
                "parameters": card.get("options") or {},
                "command": card.get("command", ""),
            },
        )
        if activate:
            InpainterModel.objects.filter(is_active=True).exclude(pk=row.pk).update(is_active=False)
            row.is_active = True
            row.save(update_fields=["is_active"])
    return row
