"""`neural-stats`: Gatys-style optimisation of the image's pixels so that the feature statistics
(AdaIN's channel means and standard deviations) of EfficientNet-Lite0 match the style set's,
while its content features stay close to the input's. VGG, the usual loss network, cannot be
had offline; Lite0's statistics transfer poorly unless smoothed (Wang et al., CVPR 2021), so the
features are passed through a softmax first (`smoothing="softmax"`, the default; "none" for
the raw statistics). The optimisation runs at a working resolution (128 px on the longer side);
the change it makes is upsampled onto the full-resolution input, whose own fine detail is kept.
docs/decisions.md ("neural-stats") records what was measured.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from .errors import StyleError
from .features import CONTENT_BLOCK, LOSS_BLOCKS, as_tensor, channel_stats, lite0, softmax_smooth
from .stats import reduced

WORK_SIDE = 128
SMOOTHINGS = ("softmax", "none")


def _layer(features: torch.Tensor, smoothing: str, temperature: float) -> torch.Tensor:
    return softmax_smooth(features, temperature) if smoothing == "softmax" else features


def target_stats(
    images: Sequence[np.ndarray], smoothing: str = "softmax", temperature: float = 1.0
) -> dict[int, tuple[torch.Tensor, torch.Tensor]]:
    """The style set's mean feature statistics per tapped block (members weigh equally)."""
    net = lite0(LOSS_BLOCKS)
    sums: dict[int, list[torch.Tensor]] = {}
    with torch.inference_mode():
        for image in images:
            feats = net(as_tensor(reduced(image, WORK_SIDE)))
            for block in LOSS_BLOCKS:
                mean, std = channel_stats(_layer(feats[block], smoothing, temperature))
                sums.setdefault(block, []).append(torch.stack([mean[0], std[0]]))
    if not sums:
        raise StyleError("the style set is empty: add images or elements to it first")
    return {b: tuple(torch.stack(v).mean(dim=0)) for b, v in sums.items()}


def _style_loss(feats, targets, scale, smoothing: str, temperature: float) -> torch.Tensor:
    total = torch.zeros(())
    for block, (mean, std) in targets.items():
        m, s = channel_stats(_layer(feats[block], smoothing, temperature))
        total = total + ((m[0] - mean).abs().mean() + (s[0] - std).abs().mean()) / scale[block]
    return total


def optimise(
    start: np.ndarray,
    content: np.ndarray,
    targets: dict[int, tuple[torch.Tensor, torch.Tensor]],
    steps: int = 30,
    content_weight: float = 1.0,
    smoothing: str = "softmax",
    temperature: float = 1.0,
    lr: float = 0.03,
    seed: int = 0,
) -> tuple[np.ndarray, list[float]]:
    """Optimise pixels from `start` (an RGB uint8 at working size) toward the target statistics,
    keeping `content`'s CONTENT_BLOCK features. Returns the image and the loss per step."""
    if smoothing not in SMOOTHINGS:
        raise StyleError(f"smoothing must be one of {', '.join(SMOOTHINGS)}, not {smoothing!r}")
    if not 1 <= int(steps) <= 1000:
        raise StyleError(f"steps must be between 1 and 1000, not {steps}")
    torch.manual_seed(seed)
    net = lite0(LOSS_BLOCKS)
    with torch.no_grad():
        content_feat = net(as_tensor(content))[CONTENT_BLOCK]
        scale = {
            b: (m.abs().mean() + s.abs().mean()).clamp_min(1e-6) for b, (m, s) in targets.items()
        }
    logit = torch.logit(as_tensor(start).clamp(0.01, 0.99)).requires_grad_(True)
    opt = torch.optim.Adam([logit], lr=lr)
    losses = []
    for _ in range(int(steps)):
        opt.zero_grad()
        image = torch.sigmoid(logit)
        feats = net(image)
        style = _style_loss(feats, targets, scale, smoothing, temperature)
        content_loss = (feats[CONTENT_BLOCK] - content_feat).abs().mean() / (
            content_feat.abs().mean() + 1e-6
        )
        loss = style + float(content_weight) * content_loss
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    out = torch.sigmoid(logit).detach()[0].permute(1, 2, 0).numpy()
    return np.clip(np.rint(out * 255), 0, 255).astype(np.uint8), losses
