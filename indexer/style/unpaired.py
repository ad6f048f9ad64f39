"""`unpaired`: a CycleGAN (Zhu et al. 2017) for photo -> style-set translation, trained from
scratch on unpaired images: ResNet generators (32 filters, 6 residual blocks at the 4x-reduced
scale), 70x70 PatchGAN discriminators (32 filters), least-squares GAN loss, cycle loss 10 and
identity loss 5. A = photos, B = the style set; inference uses G_AB. Checkpoints hold both
directions, both discriminators and the optimisers, so `--resume` continues exactly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..files import atomic_write, file_sha256
from .errors import StyleError

FORMAT = "dunhuang-style-cyclegan"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class CycleConfig:
    size: int = 128
    filters: int = 32
    blocks: int = 6

    def to_dict(self) -> dict:
        return asdict(self)


def _conv(cin: int, cout: int, k: int, stride: int = 1, norm: bool = True, act: str = "relu"):
    layers: list[nn.Module] = []
    if k == 7:
        layers.append(nn.ReflectionPad2d(3))
    layers.append(nn.Conv2d(cin, cout, k, stride, padding=0 if k == 7 else k // 2 if k == 3 else 1))
    if norm:
        layers.append(nn.InstanceNorm2d(cout))
    if act == "relu":
        layers.append(nn.ReLU(True))
    elif act == "lrelu":
        layers.append(nn.LeakyReLU(0.2, True))
    return layers


class Residual(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(ch, ch, 3),
            nn.InstanceNorm2d(ch),
            nn.ReLU(True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(ch, ch, 3),
            nn.InstanceNorm2d(ch),
        )

    def forward(self, x):
        return x + self.body(x)


class Generator(nn.Module):
    def __init__(self, filters: int = 32, blocks: int = 6):
        super().__init__()
        f = filters
        layers = _conv(3, f, 7) + _conv(f, 2 * f, 3, 2) + _conv(2 * f, 4 * f, 3, 2)
        layers += [Residual(4 * f) for _ in range(blocks)]
        for cin, cout in ((4 * f, 2 * f), (2 * f, f)):
            layers += [
                nn.ConvTranspose2d(cin, cout, 3, 2, padding=1, output_padding=1),
                nn.InstanceNorm2d(cout),
                nn.ReLU(True),
            ]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(f, 3, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, x):  # x in [-1, 1], sides multiples of 4
        return self.net(x)


class Discriminator(nn.Module):
    def __init__(self, filters: int = 32):
        super().__init__()
        f = filters
        layers = [nn.Conv2d(3, f, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        layers += _conv(f, 2 * f, 4, 2, act="lrelu") + _conv(2 * f, 4 * f, 4, 2, act="lrelu")
        layers += _conv(4 * f, 8 * f, 4, 1, act="lrelu") + [nn.Conv2d(8 * f, 1, 4, 1, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class CycleGAN(nn.Module):
    def __init__(self, config: CycleConfig):
        super().__init__()
        self.config = config
        self.g_ab = Generator(config.filters, config.blocks)
        self.g_ba = Generator(config.filters, config.blocks)
        self.d_a = Discriminator(config.filters)
        self.d_b = Discriminator(config.filters)


def save_checkpoint(state: dict, path: str | Path) -> str:
    """Write a training state (atomically); returns the file's sha256."""
    with atomic_write(path) as staged:
        torch.save({"format": FORMAT, "version": FORMAT_VERSION, **state}, staged)
    return file_sha256(path)


def load_checkpoint(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise StyleError(f"no unpaired model at {path}: run train_style first")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise StyleError(f"cannot read the unpaired model {path.name}: {exc}") from exc
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise StyleError(f"{path.name} is not a {FORMAT} checkpoint")
    return state


def load_generator(path: str | Path) -> tuple[Generator, dict]:
    """G_AB of a checkpoint, ready for inference, and the checkpoint's metadata."""
    state = load_checkpoint(path)
    config = CycleConfig(**state["config"])
    net = Generator(config.filters, config.blocks)
    net.load_state_dict(state["model"]["g_ab"])
    net.eval()
    meta = {k: state[k] for k in ("config", "epoch", "iteration", "data") if k in state}
    return net, meta


def translate(net: Generator, image: np.ndarray) -> np.ndarray:
    """G_AB over an RGB uint8 image (reflect-padded to a multiple of 4)."""
    h, w = image.shape[:2]
    ph, pw = (-h) % 4, (-w) % 4
    x = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1))).float()[None] / 127.5 - 1
    if ph or pw:
        x = torch.nn.functional.pad(x, (0, pw, 0, ph), mode="reflect")
    with torch.inference_mode():
        y = net(x)[0, :, :h, :w]
    return np.clip(np.rint((y.permute(1, 2, 0).numpy() + 1) * 127.5), 0, 255).astype(np.uint8)
