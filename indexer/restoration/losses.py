"""Liu et al.'s inpainting loss: valid and hole L1, perceptual (content), style (Gram) and total
variation, with the offline ImageNet EfficientNet-Lite0 as the loss network (VGG-16 is not
available offline; docs/decisions.md, "pconv: the loss network").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

# Blocks whose outputs are compared: strides 2, 4 and 8 (16, 24 and 40 channels), as VGG's
# pool1-pool3 in the paper.
FEATURE_BLOCKS: tuple[int, ...] = (0, 2, 4)


@dataclass(frozen=True)
class LossWeights:
    """Liu et al. weigh valid 1, hole 6, perceptual 0.05, style 120, tv 0.1 with VGG-16.
    EfficientNet-Lite0's block outputs are far larger (unnormalised projections), and the
    targets here are PSNR and HaarPSI, so perceptual and style are scaled to about a sixth and
    a tenth of the hole term when training starts (from a Telea fill, on mixed masks)."""

    valid: float = 1.0
    hole: float = 6.0
    perceptual: float = 0.003
    style: float = 0.03
    tv: float = 0.1

    def to_dict(self) -> dict:
        return asdict(self)


class LossNetwork(nn.Module):
    """Frozen EfficientNet-Lite0 (ImageNet) stem and first blocks; features at FEATURE_BLOCKS."""

    def __init__(self, blocks: tuple[int, ...] = FEATURE_BLOCKS):
        super().__init__()
        from indexer.embedding import pretrained_lite0

        net = pretrained_lite0()
        self.stem = nn.Sequential(net._conv_stem, net._bn0, net._swish)
        self.blocks = nn.ModuleList(net._blocks[: max(blocks) + 1])
        self.taps = set(blocks)
        self.eval()
        for p in self.parameters():
            p.requires_grad_(False)

    def train(self, mode: bool = True) -> LossNetwork:
        return super().train(False)  # batch norm stays in inference mode

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        # our images are in [-1, 1]; the Lite models were trained on (x - 127) / 128
        x = self.stem(x)
        out = []
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i in self.taps:
                out.append(x)
        return out


def gram(features: torch.Tensor) -> torch.Tensor:
    b, c, h, w = features.shape
    f = features.reshape(b, c, h * w)
    return torch.bmm(f, f.transpose(1, 2)) / (c * h * w)


def total_variation(image: torch.Tensor, region: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference of neighbours where both lie in `region` (B, 1, H, W)."""
    dx = (image[..., :, 1:] - image[..., :, :-1]).abs() * region[..., :, 1:] * region[..., :, :-1]
    dy = (image[..., 1:, :] - image[..., :-1, :]).abs() * region[..., 1:, :] * region[..., :-1, :]
    return dx.mean() + dy.mean()


def inpainting_loss(
    output: torch.Tensor,
    target: torch.Tensor,
    valid: torch.Tensor,
    loss_net: LossNetwork,
    weights: LossWeights,
    prior: torch.Tensor | None = None,
) -> tuple[torch.Tensor, dict[str, float]]:
    """The weighted total and its parts (with the prior's hole L1 when given, for the log).
    valid is (B, 1, H, W), 1 = kept pixel."""
    hole = 1.0 - valid
    comp = valid * target + hole * output
    terms = {
        "valid": (valid * (output - target)).abs().mean(),
        "hole": (hole * (output - target)).abs().mean(),
    }
    with torch.no_grad():
        feats_gt = loss_net(target)
    feats_out, feats_comp = loss_net(output), loss_net(comp)
    perceptual = output.new_zeros(())
    style = output.new_zeros(())
    for fo, fc, fg in zip(feats_out, feats_comp, feats_gt, strict=True):
        perceptual = perceptual + F.l1_loss(fo, fg) + F.l1_loss(fc, fg)
        gg = gram(fg)
        style = style + F.l1_loss(gram(fo), gg) + F.l1_loss(gram(fc), gg)
    terms["perceptual"] = perceptual
    terms["style"] = style
    ring = F.max_pool2d(hole, 3, stride=1, padding=1)  # the holes grown by one pixel
    terms["tv"] = total_variation(comp, ring)
    w = weights.to_dict()
    total = sum(w[name] * value for name, value in terms.items())
    parts = {name: float(value.detach()) for name, value in terms.items()}
    if prior is not None:  # how far the classical fill alone is: the bar to beat
        parts["prior_hole"] = float((hole * (prior - target)).abs().mean())
    return total, parts
