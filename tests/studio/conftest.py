"""Studio fixtures: a small textured mural with its pyramid, an archaeologist, and masks."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from django.contrib.auth.models import Group

from dunhuang_search.accounts.roles import ARCHAEOLOGIST
from tests.factories import ingested_mural, make_user


def textured(height: int, width: int, seed: int = 0) -> np.ndarray:
    """Smooth colour gradients with soft blobs and grain: something inpainting can recover."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.stack([90 + 80 * xx / width, 70 + 90 * yy / height, 120 + 40 * np.sin(xx / 17)], -1)
    for _ in range(12):
        cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(8, 30)
        blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))[..., None]
        image = image + blob * rng.uniform(-50, 50, 3)
    image += rng.normal(0, 2.0, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


@pytest.fixture
def wall(tmp_path):
    """A 640 x 480 mural ingested from a PNG, with its pyramid."""
    return ingested_mural(tmp_path / "wall.png", textured(480, 640))


@pytest.fixture
def archaeologist(db):
    user = make_user("restorer")
    user.groups.add(Group.objects.get(name=ARCHAEOLOGIST))
    return user


def write_mask(path, height: int, width: int, holes=((40, 50), (90, 80)), radius: int = 8):
    mask = np.zeros((height, width), np.uint8)
    for x, y in holes:
        cv2.circle(mask, (int(x), int(y)), radius, 255, -1)
    cv2.imwrite(str(path), mask)
    return path
