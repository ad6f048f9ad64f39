"""The learned inpainter: a U-Net of partial convolutions with mask updating (Liu et al. 2018).

The last decoder layer also sees a classical (Telea) fill of the holes and adds its output to
it, so an untrained network already restores as well as Telea and training only improves on it
(docs/decisions.md, "pconv: a residual over Telea").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

PRIOR_RADIUS = 3  # px, Telea's neighbourhood for the classical prior
MULTIPLE = 64  # inputs are padded to a multiple of 2 ** depth


class PartialConv2d(nn.Module):
    """A convolution over the valid pixels only, renormalised by how many it saw (Liu et al.).

    forward(x, masks, groups) -> (y, new_mask). masks is (B, G, H, W), 1 = valid, one channel
    for each group of input channels (`groups` gives their sizes; default: one group of all);
    x must already be zero wherever its group's mask is 0 (every layer's output is, and the
    network zeroes the holes of its input). new_mask is (B, 1, H', W'): 1 where the window saw
    at least one valid input.
    """

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False)
        self.bias = nn.Parameter(torch.zeros(cout))
        self.kernel, self.cin = kernel, cin
        self.window = float(cin * kernel * kernel)
        nn.init.kaiming_normal_(self.conv.weight, a=0.2)

    def forward(
        self, x: torch.Tensor, masks: torch.Tensor, groups: tuple[int, ...] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        groups = groups or (self.cin,)
        if sum(groups) != x.shape[1] or len(groups) != masks.shape[1]:
            raise ValueError(f"mask groups {groups} do not fit {x.shape[1]} input channels")
        with torch.no_grad():
            counts = torch.tensor(groups, dtype=x.dtype, device=x.device)
            ones = counts.view(1, -1, 1, 1).expand(1, -1, self.kernel, self.kernel)
            seen = F.conv2d(masks, ones, stride=self.conv.stride, padding=self.conv.padding)
            new_mask = (seen > 0.5).to(x.dtype)
            ratio = self.window / seen.clamp(min=1.0) * new_mask
        out = self.conv(x).mul_(ratio).add_(self.bias.view(1, -1, 1, 1)).mul_(new_mask)
        return out, new_mask


@dataclass(frozen=True)
class PConvConfig:
    """The shape of the network: encoder widths and kernels, decoder widths (same depth)."""

    encoder: tuple[int, ...] = (32, 64, 96, 128, 128, 128)
    kernels: tuple[int, ...] = (7, 5, 3, 3, 3, 3)
    decoder: tuple[int, ...] = (128, 96, 64, 48, 24)  # deepest first; then the RGB head
    prior: str = "telea"
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> PConvConfig:
        return cls(
            encoder=tuple(data["encoder"]),
            kernels=tuple(data["kernels"]),
            decoder=tuple(data["decoder"]),
            prior=data.get("prior", "telea"),
            extra=dict(data.get("extra", {})),
        )


class PConvUNet(nn.Module):
    """Partial-convolution U-Net: images in [-1, 1] (B, 3, H, W), masks 1 = valid (B, 1, H, W).

    forward(image, mask, prior) -> the restored image (B, 3, H, W), unclamped: the prior plus a
    residual from the last layer (zero at initialisation). H and W are multiples of 2 ** depth.
    Each decoder layer convolves [upsampled features, encoder skip] with one mask per part.
    """

    def __init__(self, config: PConvConfig | None = None):
        super().__init__()
        self.config = config = config or PConvConfig()
        if len(config.decoder) != len(config.encoder) - 1:
            raise ValueError("the decoder needs one layer fewer than the encoder (plus RGB)")
        widths = (3, *config.encoder)
        self.encoder = nn.ModuleList(
            PartialConv2d(widths[i], widths[i + 1], config.kernels[i], stride=2)
            for i in range(len(config.encoder))
        )
        # batch norm after every layer but the first and the head, as in the paper: the
        # renormalisation by window / seen makes activations grow without it
        self.encoder_norms = nn.ModuleList(
            nn.Identity() if i == 0 else nn.BatchNorm2d(w) for i, w in enumerate(config.encoder)
        )
        self.decoder = nn.ModuleList()
        below = config.encoder[-1]
        self.skips = tuple(reversed(widths[1:-1]))  # encoder outputs, second deepest first
        for width, skip in zip(config.decoder, self.skips, strict=True):
            self.decoder.append(PartialConv2d(below + skip, width, 3))
            below = width
        self.decoder_norms = nn.ModuleList(nn.BatchNorm2d(w) for w in config.decoder)
        self.head = PartialConv2d(below + 3 + 3, 3, 3)  # + the holed input + the prior
        nn.init.zeros_(self.head.conv.weight)

    @property
    def depth(self) -> int:
        return len(self.encoder)

    def forward(
        self, image: torch.Tensor, mask: torch.Tensor, prior: torch.Tensor
    ) -> torch.Tensor:
        feats, masks = [image * mask], [mask]
        x, m = feats[0], mask
        for layer, norm in zip(self.encoder, self.encoder_norms, strict=True):
            x, m = layer(x, m)
            x = F.relu(norm(x)) * m  # zero where invalid, as the next layer expects
            feats.append(x)
            masks.append(m)
        for i, (layer, norm) in enumerate(zip(self.decoder, self.decoder_norms, strict=True)):
            skip_x, skip_m = feats[-2 - i], masks[-2 - i]
            x, m = layer(
                torch.cat([_up(x), skip_x], 1),
                torch.cat([_up(m), skip_m], 1),
                (x.shape[1], skip_x.shape[1]),
            )
            x = F.leaky_relu(norm(x), 0.2) * m
        residual, _ = self.head(
            torch.cat([_up(x), feats[0], prior], 1),
            torch.cat([_up(m), mask, torch.ones_like(mask)], 1),
            (x.shape[1], 3, 3),
        )
        return prior + residual


def _up(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2.0, mode="nearest")


def classical_prior(image: np.ndarray, lost: np.ndarray) -> np.ndarray:
    """Telea's fill of the lost pixels (uint8 RGB), the starting point the network corrects."""
    return cv2.inpaint(image, lost, PRIOR_RADIUS, cv2.INPAINT_TELEA)


def to_tensor(image: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 -> (1, 3, H, W) float in [-1, 1]."""
    return torch.from_numpy(image.transpose(2, 0, 1).copy()).float().div_(127.5).sub_(1.0)[None]


def to_image(tensor: torch.Tensor) -> np.ndarray:
    """(1, 3, H, W) in [-1, 1] -> (H, W, 3) uint8, rounded and clipped."""
    array = tensor[0].detach().float().add(1.0).mul(127.5).clamp(0, 255).round()
    return array.byte().permute(1, 2, 0).cpu().numpy()


def pad_to_multiple(array: np.ndarray, multiple: int = MULTIPLE) -> tuple[np.ndarray, int, int]:
    h, w = array.shape[:2]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph == 0 and pw == 0:
        return array, h, w
    pad = ((0, ph), (0, pw)) + ((0, 0),) * (array.ndim - 2)
    mode = "reflect" if h > ph and w > pw else "edge"
    return np.pad(array, pad, mode=mode), h, w


@torch.inference_mode()
def run_network(net: PConvUNet, image: np.ndarray, lost: np.ndarray) -> np.ndarray:
    """The network's restoration of one RGB uint8 image (lost: uint8, nonzero = lost), holes
    only: every pixel outside the mask is copied from the input."""
    lost = (lost > 0).astype(np.uint8) * 255
    prior = classical_prior(image, lost)
    padded, h, w = pad_to_multiple(image, 2**net.depth)
    padded_prior, _, _ = pad_to_multiple(prior, 2**net.depth)
    padded_lost, _, _ = pad_to_multiple(lost, 2**net.depth)
    valid = torch.from_numpy((padded_lost == 0).astype(np.float32))[None, None]
    out = net(to_tensor(padded), valid, to_tensor(padded_prior))
    restored = to_image(out)[:h, :w]
    return np.where(lost[..., None] > 0, restored, image)
