"""save_derivative writes the row and its files together, or neither."""

from __future__ import annotations

import numpy as np
import pytest

from dunhuang_search.studio import derivatives
from dunhuang_search.studio.models import Derivative
from indexer.files import file_sha256
from indexer.imagery import Pyramid
from tests.factories import ingested_mural

pytestmark = pytest.mark.django_db


def test_it_writes_a_pyramid_and_mask_and_records_their_checksum(tmp_path):
    mural = ingested_mural(tmp_path / "wall.png", np.zeros((300, 400, 3), np.uint8))
    image = np.random.default_rng(0).integers(0, 255, (300, 200, 3), dtype=np.uint8)
    mask = np.zeros((300, 200), np.uint8)
    mask[10:20, 10:40] = 1
    row = derivatives.save_derivative(
        image,
        kind="restoration",
        method="telea",
        mask=mask,
        mural=mural,
        x=0,
        y=0,
        w=200,
        h=300,
        parameters={"radius": 3},
        seed=7,
    )
    path = derivatives.image_path(row)
    assert (Pyramid(path).width, Pyramid(path).height) == (200, 300)
    assert row.sha256 == file_sha256(path)
    assert row.iiif_id == f"derivative-{row.pk}"
    saved_mask = derivatives.mask_path(row)
    assert saved_mask.exists()


def test_a_failure_midway_leaves_no_row_and_no_file(monkeypatch, settings, tmp_path):
    mural = ingested_mural(tmp_path / "wall.png", np.zeros((300, 400, 3), np.uint8))
    image = np.zeros((64, 64, 3), np.uint8)

    def broken_mask_writer(mask, dest):
        raise OSError("disk full")

    monkeypatch.setattr(derivatives, "write_mask", broken_mask_writer)
    with pytest.raises(OSError, match="disk full"):
        derivatives.save_derivative(
            image, kind="style", method="color", mask=np.ones((64, 64)), mural=mural
        )
    assert not Derivative.objects.exists()
    folder = settings.DERIVATIVE_DIR
    assert not folder.exists() or not any(folder.iterdir())


def test_it_refuses_a_mask_of_another_size():
    with pytest.raises(ValueError, match="mask is 10x10"):
        derivatives.save_derivative(
            np.zeros((20, 20, 3), np.uint8),
            kind="style",
            method="color",
            mask=np.ones((10, 10)),
            upload_name="photo.jpg",
        )
    assert not Derivative.objects.exists()
