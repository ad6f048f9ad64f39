"""EfficientNet-Lite0 (ImageNet, offline from its PyPI wheel) feature taps, the loss network of
`neural-stats` and the source of the AdaIN-statistics style descriptor. Inputs are RGB in
[0, 1]; the Lite models were trained on (x - 127) / 128, which is applied here.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from torch import nn

# Block outputs tapped: strides 2, 4, 8 and 16 (16, 24, 40 and 80 channels) for the descriptor;
# the loss of `neural-stats` stops at stride 8 (backward through Lite0's depthwise convolutions
# is slow on CPU: about 0.6 s a step at 128² on the shared cores).
STYLE_BLOCKS: tuple[int, ...] = (0, 2, 4, 7)
LOSS_BLOCKS: tuple[int, ...] = (0, 2, 4)
CONTENT_BLOCK = 4


class Lite0Features(nn.Module):
    def __init__(self, blocks: tuple[int, ...] = STYLE_BLOCKS):
        super().__init__()
        from indexer.embedding import pretrained_lite0

        net = pretrained_lite0()
        self.stem = nn.Sequential(net._conv_stem, net._bn0, net._swish)
        self.blocks = nn.ModuleList(net._blocks[: max(blocks) + 1])
        self.taps = tuple(blocks)
        self.eval()
        for p in self.parameters():
            p.requires_grad_(False)

    def train(self, mode: bool = True) -> Lite0Features:
        return super().train(False)

    def forward(self, rgb01: torch.Tensor) -> dict[int, torch.Tensor]:
        x = self.stem((rgb01 * 255 - 127) / 128)
        out = {}
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i in self.taps:
                out[i] = x
        return out


@functools.cache
def lite0(blocks: tuple[int, ...] = STYLE_BLOCKS) -> Lite0Features:
    return Lite0Features(blocks)


def as_tensor(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1))).float()[None] / 255


def softmax_smooth(features: torch.Tensor, temperature: float) -> torch.Tensor:
    """Wang et al. (CVPR 2021, SWAG): a softmax over the channels at each position, which
    flattens the peaky, low-entropy activations that make non-VGG statistics transfer badly."""
    return torch.softmax(features / temperature, dim=1)


def channel_stats(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """AdaIN statistics: the per-channel mean and standard deviation over positions."""
    flat = features.flatten(2)
    return flat.mean(dim=2), (flat.var(dim=2, unbiased=False) + 1e-8).sqrt()


def adain_descriptor(image: np.ndarray, side: int = 256) -> np.ndarray:
    """The style descriptor of an image: channel means and stds of its Lite0 block outputs
    (320 numbers), at `side` px on the longer side."""
    from .stats import reduced

    with torch.inference_mode():
        feats = lite0()(as_tensor(reduced(image, side)))
        parts = []
        for block in STYLE_BLOCKS:
            mean, std = channel_stats(feats[block])
            parts += [mean[0], std[0]]
    return torch.cat(parts).numpy().astype(np.float32)
