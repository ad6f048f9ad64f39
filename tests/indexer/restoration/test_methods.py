"""Every method behind one interface: the kept pixels come back exactly, the holes are filled,
no method sees what the mask hides, and bad input is one RestorationError line."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.restoration import METHODS, RestorationError, inpaint, restore

from .conftest import disc_mask, textured_image

ALL = ("telea", "ns", "patchmatch", "pconv", "search-guided")


def _params(method: str, image: np.ndarray, model) -> dict:
    if method == "pconv":
        return {"model": str(model)}
    if method == "search-guided":
        return {"model": str(model), "candidates": [image.copy(), image.copy()]}
    return {}


def test_the_registry_holds_every_method():
    assert set(ALL) <= set(METHODS)


@pytest.mark.parametrize("method", ALL)
def test_it_keeps_every_unmasked_pixel_and_fills_the_hole(method, image, hole, untrained_model):
    out = inpaint(image, hole, method, **_params(method, image, untrained_model))
    assert out.shape == image.shape and out.dtype == np.uint8
    kept = hole == 0
    assert np.array_equal(out[kept], image[kept])
    lost = hole > 0
    error = np.abs(out[lost].astype(int) - image[lost]).mean()
    assert error < 12  # the hole is filled from its context, not left blank (~130 off)


@pytest.mark.parametrize("method", ALL)
def test_no_method_sees_the_pixels_under_the_mask(method, image, hole, untrained_model):
    tampered = image.copy()
    tampered[hole > 0] = 255 - tampered[hole > 0]
    params = _params(method, image, untrained_model)
    assert np.array_equal(inpaint(image, hole, method, **params),
                          inpaint(tampered, hole, method, **params))


def test_search_guided_copies_an_identical_candidate(image, hole, untrained_model):
    result = restore(image, hole, "search-guided", candidates=[("element-7", image)],
                     model=str(untrained_model))
    assert result.details["sources"] == ["element-7"]
    assert result.details["fallback"] is None
    assert np.abs(result.image.astype(int) - image).max() <= 3


def _one_line(info) -> str:
    message = str(info.value)
    assert "\n" not in message and message
    return message


def test_a_mask_of_another_size_is_one_line_error(image):
    with pytest.raises(RestorationError) as info:
        inpaint(image, np.zeros((64, 64), np.uint8) + 255, "telea")
    assert "must match" in _one_line(info)


def test_an_empty_mask_has_nothing_to_restore(image):
    with pytest.raises(RestorationError) as info:
        inpaint(image, np.zeros(image.shape[:2], np.uint8), "telea")
    assert "nothing to restore" in _one_line(info)


def test_an_unknown_method_is_one_line_error(image, hole):
    with pytest.raises(RestorationError) as info:
        inpaint(image, hole, "deep-dream")
    assert "unknown method 'deep-dream'" in _one_line(info)


def test_an_unknown_model_is_one_line_error(image, hole, tmp_path):
    with pytest.raises(RestorationError) as info:
        inpaint(image, hole, "pconv", model=str(tmp_path / "missing.pt"))
    assert "no such inpainting model" in _one_line(info)


def test_a_corrupt_checkpoint_is_one_line_error(image, hole, tmp_path, untrained_model):
    broken = tmp_path / "broken.pt"
    broken.write_bytes(untrained_model.read_bytes()[:5000])
    with pytest.raises(RestorationError) as info:
        inpaint(image, hole, "pconv", model=str(broken))
    assert "not a readable inpainting model" in _one_line(info)


def test_a_torch_file_of_something_else_is_refused(image, hole, tmp_path):
    import torch

    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, other)
    with pytest.raises(RestorationError) as info:
        inpaint(image, hole, "pconv", model=str(other))
    assert "not a dunhuang-pconv model" in _one_line(info)


def test_bad_parameters_and_images_are_one_line_errors(image, hole):
    with pytest.raises(RestorationError) as info:
        inpaint(image, hole, "telea", strength=3)
    _one_line(info)
    with pytest.raises(RestorationError) as info:
        inpaint(image[..., 0], hole, "telea")
    assert "RGB uint8" in _one_line(info)
    with pytest.raises(RestorationError):
        inpaint(image, hole, "telea", radius=-1)


def test_restore_records_method_model_and_time(image, hole, untrained_model):
    result = restore(image, hole, "pconv", model=str(untrained_model))
    assert result.method == "pconv"
    assert result.model["sha256"] and result.model["path"] == str(untrained_model)
    assert result.seconds > 0


def test_large_images_are_restored_tile_by_tile():
    big = textured_image(1100, 300, seed=5)
    mask = disc_mask(1100, 300, [(150, 200), (150, 900)], 6)
    result = restore(big, mask, "telea")
    assert result.details["tiled"]["windows"] == 2
    assert np.array_equal(result.image[mask == 0], big[mask == 0])
