"""Small images, masks and an untrained pconv model for the restoration tests."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest


def textured_image(height: int = 128, width: int = 128, seed: int = 0) -> np.ndarray:
    """Smooth colour gradients with soft blobs and grain: something inpainting can recover."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.stack([90 + 80 * xx / width, 70 + 90 * yy / height, 120 + 40 * np.sin(xx / 17)], -1)
    for _ in range(6):
        cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(6, 20)
        colour = rng.uniform(-50, 50, 3)
        blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))[..., None]
        image = image + blob * colour
    image += rng.normal(0, 2.0, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def disc_mask(height: int, width: int, centres, radius: int) -> np.ndarray:
    mask = np.zeros((height, width), np.uint8)
    for x, y in centres:
        cv2.circle(mask, (int(x), int(y)), radius, 255, -1)
    return mask


@pytest.fixture
def image() -> np.ndarray:
    return textured_image()


@pytest.fixture
def hole() -> np.ndarray:
    return disc_mask(128, 128, [(40, 50), (90, 80)], 7)


@pytest.fixture(scope="session")
def untrained_model(tmp_path_factory) -> Path:
    """A freshly initialised pconv network (it restores exactly as its Telea prior)."""
    import torch

    from indexer.restoration.models import save_model
    from indexer.restoration.pconv import PConvConfig, PConvUNet

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("inpainter") / "untrained.pt"
    save_model(PConvUNet(PConvConfig()), path, {"name": "untrained"})
    return path
