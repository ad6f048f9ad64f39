"""The style benchmark, the paper's way and offline.

Deception rate: a style classifier (logistic regression on EfficientNet-Lite0 embeddings) is
trained to tell the style set's images from photos and from murals of other periods; the rate is
the fraction of stylized photos it assigns to the style set. The photos it is trained on are
never the ones stylized: photos are split into folds by source image, and each fold is
stylized and scored by a classifier trained without it (cross-validation).
Content kept: SSIM between the Canny edge maps of input and output, and the cosine distance of
their embeddings. Time: ms per 512² image. Style map: a k-NN period classifier on style
descriptors, leave-one-cave-out, against the majority baseline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from .stats import reduced

EVAL_SIDE = 512
STYLE, PHOTO, OTHER = 0, 1, 2


def sample_photos() -> tuple[list[np.ndarray], list[str]]:
    """scikit-image's bundled photographs (offline), as RGB uint8."""
    from skimage import data

    names = [
        "astronaut",
        "coffee",
        "chelsea",
        "rocket",
        "camera",
        "coins",
        "moon",
        "grass",
        "gravel",
        "brick",
        "immunohistochemistry",
        "hubble_deep_field",
    ]
    out = []
    for name in names:
        image = np.asarray(getattr(data, name)())
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=2)
        out.append(np.ascontiguousarray(image[..., :3].astype(np.uint8)))
    return out, names


def halves(image: np.ndarray) -> list[np.ndarray]:
    """The image and its two overlapping halves along its longer side (more classifier data)."""
    h, w = image.shape[:2]
    if w >= h:
        return [image, image[:, : w * 2 // 3], image[:, w // 3 :]]
    return [image, image[: h * 2 // 3], image[h // 3 :]]


def edge_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM of the Canny edge maps (sigma 2) of two same-size RGB images."""
    from skimage.feature import canny
    from skimage.metrics import structural_similarity

    ea = canny(cv2.cvtColor(a, cv2.COLOR_RGB2GRAY).astype(float) / 255, sigma=2).astype(float)
    eb = canny(cv2.cvtColor(b, cv2.COLOR_RGB2GRAY).astype(float) / 255, sigma=2).astype(float)
    return float(structural_similarity(ea, eb, data_range=1.0))


@dataclass
class Classifier:
    """Logistic regression on L2-normalised embeddings; cross-validated accuracy recorded."""

    model: object
    cv_accuracy: float

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, seed: int = 0) -> Classifier:
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_score

        model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
        folds = min(5, int(np.bincount(y).min()))
        accuracy = float("nan")
        if folds >= 2:
            cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
            accuracy = float(cross_val_score(model, x, y, cv=cv).mean())
        return cls(model.fit(x, y), accuracy)


def deception(
    embed: Callable[[Sequence[np.ndarray]], np.ndarray],
    style_images: Sequence[np.ndarray],
    photos: Sequence[np.ndarray],
    others: Sequence[np.ndarray],
    methods: dict[str, Callable[[np.ndarray], np.ndarray]],
    folds: int = 3,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Deception rate, edge SSIM, embedding distance and ms/512² per method (see module)."""
    photos = [reduced(p, EVAL_SIDE) for p in photos]
    style_x = embed([reduced(im, EVAL_SIDE) for im in style_images])
    other_x = (
        embed([reduced(im, EVAL_SIDE) for im in others])
        if len(others)
        else np.zeros((0, style_x.shape[1]), np.float32)
    )
    photo_parts = [halves(p) for p in photos]
    photo_x = [embed(parts) for parts in photo_parts]
    fold_of = np.arange(len(photos)) % folds
    results: dict[str, dict] = {
        m: {"fooled": [], "edge": [], "dist": [], "ms": []} for m in methods
    }
    accuracies = []
    for f in range(folds):
        train = [i for i in range(len(photos)) if fold_of[i] != f]
        x = np.concatenate([style_x, *[photo_x[i] for i in train], other_x])
        y = np.concatenate(
            [
                np.full(len(style_x), STYLE),
                np.full(sum(len(photo_x[i]) for i in train), PHOTO),
                np.full(len(other_x), OTHER),
            ]
        ).astype(int)
        clf = Classifier.fit(x, y)
        accuracies.append(clf.cv_accuracy)
        for i in np.flatnonzero(fold_of == f):
            for name, fn in methods.items():
                started = time.perf_counter()
                out = fn(photos[i])
                ms = (time.perf_counter() - started) * 1000 * EVAL_SIDE**2 / photos[i][..., 0].size
                e_in, e_out = embed([photos[i], out])
                r = results[name]
                r["fooled"].append(int(clf.model.predict(e_out[None])[0] == STYLE))
                r["edge"].append(edge_ssim(photos[i], out))
                r["dist"].append(float(1 - e_in @ e_out))
                r["ms"].append(ms)
                if progress:
                    progress(name)
    summary = {
        name: {
            "deception_rate": round(float(np.mean(r["fooled"])), 3),
            "edge_ssim": round(float(np.mean(r["edge"])), 3),
            "embedding_distance": round(float(np.mean(r["dist"])), 4),
            "ms": round(float(np.median(r["ms"])), 1),
            "images": len(r["fooled"]),
        }
        for name, r in results.items()
    }
    baseline = {"deception_rate": 0.0, "edge_ssim": 1.0}  # the photos themselves
    return {
        "results": summary,
        "classifier_cv_accuracy": round(float(np.nanmean(accuracies)), 3),
        "unstyled": baseline,
    }


def knn_leave_one_cave_out(
    descriptors: np.ndarray, periods: Sequence[str], caves: Sequence[str], k: int = 5
) -> dict:
    """A k-NN period classifier on standardised descriptors, each cave held out in turn,
    against always predicting the most common period."""
    from collections import Counter

    from sklearn.model_selection import LeaveOneGroupOut
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y, groups = np.asarray(descriptors), np.asarray(periods), np.asarray(caves)
    right = 0
    for train, test in LeaveOneGroupOut().split(x, y, groups):
        model = make_pipeline(StandardScaler(), KNeighborsClassifier(min(k, len(train))))
        model.fit(x[train], y[train])
        right += int((model.predict(x[test]) == y[test]).sum())
    # ZeroR: always the most common period of the whole set. (Re-fitting it per held-out cave
    # is unfair to it: holding out a mural of the top period hands the top place to another.)
    majority = Counter(y.tolist()).most_common(1)[0][1]
    n = len(y)
    return {
        "knn_accuracy": round(right / n, 3),
        "majority_baseline": round(majority / n, 3),
        "murals": n,
        "caves": len(set(groups)),
        "periods": len(set(y)),
        "k": k,
    }


def synthetic_murals(count: int, side: int = 256, seed: int = 1000) -> list[dict]:
    """Procedural murals (indexer.synthetic) with their period and cave, for the style map."""
    from ..synthetic import plan_mural, render_mural

    out = []
    for i in range(count):
        spec = plan_mural(side, side, seed=seed + i)
        out.append(
            {"image": render_mural(spec), "period": spec.period, "cave": f"{spec.site}-{spec.cave}"}
        )
    return out
