"""The indexer's models built from settings: the embedder, and a detector for given weights.

Imports no app, so that every layer (elements, training, search) can build them the same way.
Which weights to detect with is the training registry's answer, given by the caller.
"""

from __future__ import annotations

from django.conf import settings


class ModelLoadError(ValueError):
    """A model that cannot be loaded (missing or unreadable weights, unknown name): one line."""


def build_embedder(device: str | None = None):
    """The configured embedder (settings.EMBEDDER) on `device` (default settings.DEVICE)."""
    from indexer.embedding import load_embedder

    try:
        return load_embedder(settings.EMBEDDER, device=device or settings.DEVICE)
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        raise ModelLoadError(f"cannot load embedder {settings.EMBEDDER!r}: {exc}") from exc


def detector_batch_size(device: str) -> int:
    """Tiles per model call: DETECTOR_BATCH_SIZE, else 8 on a GPU and 1 on CPU."""
    if settings.DETECTOR_BATCH_SIZE:
        return settings.DETECTOR_BATCH_SIZE
    import torch

    on_gpu = device.startswith("cuda") or (device == "auto" and torch.cuda.is_available())
    return 8 if on_gpu else 1


def build_detector(
    weights: str, tile_size: int, runtime: str | None = None, device: str | None = None
):
    """An indexer Detector for `weights` at `tile_size` px, with the configured runtime,
    confidence, batch and export cache (runtime and device override the settings)."""
    from indexer.detection import Detector, DetectorError

    device = device or settings.DEVICE
    try:
        return Detector(
            weights,
            runtime=runtime or settings.DETECTOR_RUNTIME,
            device=device,
            imgsz=tile_size,
            conf=settings.DETECTOR_CONF,
            batch_size=detector_batch_size(device),
            cache_dir=settings.DETECTOR_EXPORT_DIR,
            max_det=settings.DETECTOR_MAX_DET,
        )
    except DetectorError as exc:
        raise ModelLoadError(str(exc)) from exc
