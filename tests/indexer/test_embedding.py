"""Crop embedders: real offline EfficientNet-Lite0 weights, and open_clip without a hub."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from indexer.embedding import (
    EfficientNetLite0Embedder,
    Embedder,
    OpenClipEmbedder,
    load_embedder,
    square_pad_resize,
)


@pytest.fixture(scope="module")
def lite0():
    return EfficientNetLite0Embedder(device="cpu")


def textured(seed: int, size=(120, 90)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, size=(6, 5, 3)).astype(np.uint8)
    return cv2.resize(small, (size[1], size[0]), interpolation=cv2.INTER_CUBIC)


def test_it_pads_crops_to_a_square_without_distorting_them():
    tall = np.full((200, 50, 3), 9, np.uint8)
    out = square_pad_resize(tall, 100, (127, 127, 127))
    assert out.shape == (100, 100, 3)
    assert (out[50, 50] == 9).all() and (out[50, 2] == 127).all()


def test_efficientnet_lite0_gives_unit_vectors_of_1280_dims(lite0):
    assert isinstance(lite0, Embedder)
    vectors = lite0.embed_images([textured(1), textured(2, (40, 300)), textured(3, (8, 8))])
    assert vectors.shape == (3, 1280) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_efficientnet_lite0_is_deterministic_and_batch_independent(lite0):
    crops = [textured(i) for i in range(5)]
    together = lite0.embed_images(crops)
    alone = np.vstack([lite0.embed_images([c]) for c in crops])
    assert np.allclose(together, alone, atol=1e-4)


def test_it_finds_augmented_copies_of_real_mural_faces(lite0, shared_data):
    files = sorted((shared_data / "faces").glob("*.jpg"))[:80]
    rng = np.random.default_rng(0)
    originals = [cv2.cvtColor(cv2.imread(str(f)), cv2.COLOR_BGR2RGB) for f in files]
    queries = []
    for image in originals:
        h, w = image.shape[:2]
        s = rng.uniform(0.8, 0.95)
        ch, cw = int(h * s), int(w * s)
        y, x = rng.integers(0, h - ch), rng.integers(0, w - cw)
        crop = np.clip(image[y : y + ch, x : x + cw] * rng.uniform(0.85, 1.15), 0, 255)
        queries.append(cv2.resize(crop.astype(np.uint8), (int(cw * 0.7), int(ch * 0.7))))
    gallery, probes = lite0.embed_images(originals), lite0.embed_images(queries)
    recall_at_1 = (np.argmax(probes @ gallery.T, axis=1) == np.arange(len(files))).mean()
    assert recall_at_1 >= 0.85


def test_open_clip_embeds_images_and_text_without_a_hub():
    clip = OpenClipEmbedder("ViT-B-32", pretrained=None, device="cpu")
    assert clip.id == "open-clip-ViT-B-32-random" and clip.dim == 512
    images = clip.embed_images([textured(1), textured(2)])
    text = clip.embed_text(["flying apsara with ribbons", "飞天"])
    assert images.shape == (2, 512) and text.shape == (2, 512)
    assert np.allclose(np.linalg.norm(text, axis=1), 1.0, atol=1e-5)


def test_open_clip_loads_a_local_checkpoint(tmp_path):
    import torch

    source = OpenClipEmbedder("ViT-B-32", pretrained=None, device="cpu")
    path = tmp_path / "clip.pt"
    torch.save(source.model.state_dict(), path)
    loaded = OpenClipEmbedder("ViT-B-32", pretrained=str(path), device="cpu")
    crop = [textured(4)]
    assert np.allclose(source.embed_images(crop), loaded.embed_images(crop), atol=1e-5)
    assert loaded.id == "open-clip-ViT-B-32-clip.pt"


def test_it_names_unknown_embedders():
    with pytest.raises(ValueError, match="unknown embedder 'resnet'"):
        load_embedder("resnet")


def test_loading_lite0_keeps_stdout_clean_for_json(capsys):
    """The library's "Loaded pretrained weights" line would precede a command's --json."""
    from indexer.embedding import pretrained_lite0

    pretrained_lite0()
    captured = capsys.readouterr()
    assert captured.out == "" and "Loaded pretrained weights" in captured.err
