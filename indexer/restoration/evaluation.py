"""The paper's protocol: 256 x 256 crops of intact regions damaged by dust-like and jelly-like
masks at light and heavy loss, every method scored with PSNR, SSIM, HaarPSI and TV (piq).
"""

from __future__ import annotations

import numpy as np

from .data import ImageSet, folder_images, intact_crops, synthetic_images
from .masks import LEVELS, MASK_KINDS, simulated_mask
from .metrics import mean_scores, score
from .pconv import PConvUNet, classical_prior, run_network

MASK_SETTINGS: tuple[tuple[str, str], ...] = tuple(
    (kind, level) for level in LEVELS for kind in MASK_KINDS
)
VALIDATION_SEED_OFFSET = 1000  # synthetic validation murals: seeds never used for training
VALIDATION_CROPS = 16


def mask_name(kind: str, level: str) -> str:
    return f"{kind}-{level}"


def crop_mask(kind: str, level: str, index: int, seed: int, size: int = 256) -> np.ndarray:
    """The mask of crop `index` in a run seeded `seed` (the same crops get the same masks)."""
    mask_seed = int(np.random.SeedSequence([seed, index, len(kind), LEVELS.index(level)])
                    .generate_state(1)[0])
    return simulated_mask(kind, level, mask_seed, size)


def validation_images(options) -> ImageSet:
    if options.synthetic is not None:
        return synthetic_images(2, options.synthetic_seed + VALIDATION_SEED_OFFSET)
    return folder_images(options.data, options.split)


def validation_metrics(net: PConvUNet, options, crops: int = VALIDATION_CROPS) -> dict:
    """pconv against Telea on fixed validation crops for each mask setting (written into the
    model card). Synthetic runs validate on unseen murals; --data runs on other crops of the
    training images (report held-out numbers with evaluate)."""
    images = validation_images(options)
    samples = intact_crops(images, crops, 256, seed=options.seed + 7)
    out = {"images": images.description, "crops": len(samples)}
    for kind, level in MASK_SETTINGS:
        rows = {"telea": [], "pconv": []}
        for i, (_, crop) in enumerate(samples):
            lost = crop_mask(kind, level, i, 7)
            rows["telea"].append(score(classical_prior(crop, lost), crop))
            rows["pconv"].append(score(run_network(net, crop, lost), crop))
        out[mask_name(kind, level)] = {m: mean_scores(r) for m, r in rows.items()}
    return out
