"""The paper's four criteria through piq: PSNR, SSIM, HaarPSI and total variation."""

from __future__ import annotations

import numpy as np
import piq
import torch


def _tensor(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image.transpose(2, 0, 1).copy()).float().div_(255.0)[None]


def total_variation(image: np.ndarray) -> float:
    """piq's anisotropic (L1) total variation per pixel and band, images in [0, 1]."""
    x = _tensor(image)
    return float(piq.total_variation(x, norm_type="l1")) / x[0].numel()


@torch.inference_mode()
def score(restored: np.ndarray, original: np.ndarray) -> dict[str, float]:
    """{"psnr", "ssim", "haarpsi", "tv"} of a restored RGB uint8 image against the original."""
    x, y = _tensor(restored), _tensor(original)
    if np.array_equal(restored, original):
        psnr = 100.0
    else:
        psnr = float(piq.psnr(x, y, data_range=1.0))
    return {
        "psnr": psnr,
        "ssim": float(piq.ssim(x, y, data_range=1.0)),
        "haarpsi": float(piq.haarpsi(x, y, data_range=1.0)),
        "tv": total_variation(restored),
    }


def mean_scores(rows: list[dict[str, float]]) -> dict[str, float]:
    keys = rows[0].keys()
    return {k: round(float(np.mean([r[k] for r in rows])), 4) for k in keys}
