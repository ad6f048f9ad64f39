"""The benchmark's pieces: edge SSIM, the cross-validated deception rate, the style-map k-NN."""

from __future__ import annotations

import numpy as np

from indexer.style.evaluation import deception, edge_ssim, knn_leave_one_cave_out
from tests.style.conftest import textured


def test_edge_ssim_is_one_for_the_same_image_and_lower_for_another():
    a = np.zeros((96, 96, 3), np.uint8)
    a[20:60, 10:50] = 220
    b = np.zeros_like(a)
    b[50:90, 40:90] = 220
    assert edge_ssim(a, a) == 1.0
    assert edge_ssim(a, b) < 0.9


def fake_embed(images):
    """The mean colour as the 'embedding': green style images are told apart by colour."""
    out = np.array([im.reshape(-1, 3).mean(0) for im in images], np.float32) / 255
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_deception_counts_outputs_assigned_to_the_style(green_set):
    rng = np.random.default_rng(0)
    styles = [
        np.clip(g.astype(int) + rng.integers(-5, 5, g.shape), 0, 255).astype(np.uint8)
        for g in green_set * 4
    ]
    photos = [textured(s, (64, 80), tint=(80, -40, 0)) for s in range(6)]
    others = [np.full((64, 64, 3), (40, 40, 160), np.uint8) for _ in range(6)]
    methods = {"paint-green": lambda im: np.asarray(styles[0][:64, :80]), "identity": lambda im: im}
    result = deception(fake_embed, styles, photos, others, methods, folds=3)["results"]
    assert result["paint-green"]["deception_rate"] == 1.0
    assert result["identity"]["deception_rate"] == 0.0
    assert result["identity"]["edge_ssim"] == 1.0 and result["paint-green"]["images"] == 6


def test_knn_beats_majority_when_periods_separate():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 1, (12, 5)), rng.normal(4, 1, (8, 5))])
    periods = ["sui"] * 12 + ["tang"] * 8
    caves = [str(i // 2) for i in range(20)]
    r = knn_leave_one_cave_out(x, periods, caves, k=3)
    assert r["knn_accuracy"] > 0.9 and r["majority_baseline"] == 0.6 and r["caves"] == 10
    shuffled = knn_leave_one_cave_out(rng.normal(0, 1, (20, 5)), periods, caves, k=3)
    assert shuffled["knn_accuracy"] < r["knn_accuracy"]
