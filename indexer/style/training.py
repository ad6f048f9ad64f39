"""Training the `unpaired` CycleGAN: random crops of `size` px from photos (A) and the style
set (B), resized so that the shorter side is 1.125 x size first, with horizontal flips; Adam
(2e-4, betas 0.5/0.999), a checkpoint after every epoch (and every `checkpoint_every`
iterations), and `resume` continuing from the last one with the same data.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .errors import StyleError
from .unpaired import CycleConfig, CycleGAN, load_checkpoint, save_checkpoint

CYCLE_WEIGHT, IDENTITY_WEIGHT = 10.0, 5.0


@dataclass
class TrainResult:
    path: Path
    sha256: str
    epoch: int
    iteration: int
    seconds_per_iteration: float
    history: list[dict] = field(default_factory=list)


class TrainingStopped(Exception):
    """Training was interrupted; `result` is the checkpoint written where it stopped."""

    def __init__(self, result: TrainResult):
        super().__init__(f"stopped at iteration {result.iteration} (epoch {result.epoch})")
        self.result = result


def prepare(images: Sequence[np.ndarray], size: int) -> list[np.ndarray]:
    out = []
    for image in images:
        h, w = image.shape[:2]
        scale = size * 1.125 / min(h, w)
        dims = (max(size, round(w * scale)), max(size, round(h * scale)))
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        out.append(cv2.resize(np.ascontiguousarray(image[..., :3]), dims, interpolation=interp))
    return out


def _crop(rng: np.random.Generator, image: np.ndarray, size: int) -> torch.Tensor:
    h, w = image.shape[:2]
    y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
    crop = image[y : y + size, x : x + size]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return torch.from_numpy(np.ascontiguousarray(crop.transpose(2, 0, 1))).float() / 127.5 - 1


def _gan(pred: torch.Tensor, real: bool) -> torch.Tensor:
    return F.mse_loss(pred, torch.full_like(pred, 1.0 if real else 0.0))


def step(model: CycleGAN, opt_g, opt_d, a: torch.Tensor, b: torch.Tensor) -> dict:
    """One CycleGAN iteration on a batch of photos `a` and style images `b`."""
    fake_b, fake_a = model.g_ab(a), model.g_ba(b)
    for d in (model.d_a, model.d_b):
        d.requires_grad_(False)
    loss_gan = _gan(model.d_b(fake_b), True) + _gan(model.d_a(fake_a), True)
    loss_cycle = F.l1_loss(model.g_ba(fake_b), a) + F.l1_loss(model.g_ab(fake_a), b)
    loss_id = F.l1_loss(model.g_ab(b), b) + F.l1_loss(model.g_ba(a), a)
    loss_g = loss_gan + CYCLE_WEIGHT * loss_cycle + IDENTITY_WEIGHT * loss_id
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()
    for d in (model.d_a, model.d_b):
        d.requires_grad_(True)
    loss_d = 0.5 * (
        _gan(model.d_b(b), True)
        + _gan(model.d_b(fake_b.detach()), False)
        + _gan(model.d_a(a), True)
        + _gan(model.d_a(fake_a.detach()), False)
    )
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    return {
        "loss_g": float(loss_g.detach()),
        "loss_d": float(loss_d.detach()),
        "loss_cycle": float(loss_cycle.detach()),
    }


def _optimisers(model: CycleGAN):
    params_g = itertools.chain(model.g_ab.parameters(), model.g_ba.parameters())
    params_d = itertools.chain(model.d_a.parameters(), model.d_b.parameters())
    return (
        torch.optim.Adam(params_g, lr=2e-4, betas=(0.5, 0.999)),
        torch.optim.Adam(params_d, lr=2e-4, betas=(0.5, 0.999)),
    )


def _start(path: Path, resume: bool, config: CycleConfig, data: dict):
    model = CycleGAN(config)
    opt_g, opt_d = _optimisers(model)
    if not resume:
        return model, opt_g, opt_d, {"epoch": 0, "iteration": 0, "history": []}
    state = load_checkpoint(path)
    if CycleConfig(**state["config"]) != config:
        raise StyleError(f"cannot resume: {path.name} was trained with {state['config']}")
    if state.get("data", {}).get("style_set") != data.get("style_set"):
        raise StyleError(f"cannot resume: {path.name} was trained on another style set")
    for name, module in (
        ("g_ab", model.g_ab),
        ("g_ba", model.g_ba),
        ("d_a", model.d_a),
        ("d_b", model.d_b),
    ):
        module.load_state_dict(state["model"][name])
    opt_g.load_state_dict(state["optimiser"]["g"])
    opt_d.load_state_dict(state["optimiser"]["d"])
    return model, opt_g, opt_d, state


def train(
    photos: Sequence[np.ndarray],
    styles: Sequence[np.ndarray],
    path: str | Path,
    *,
    config: CycleConfig = CycleConfig(),
    epochs: int = 1,
    resume: bool = False,
    data: dict | None = None,
    seed: int = 0,
    max_iterations: int | None = None,
    progress: Callable[[int, int, dict], None] | None = None,
    checkpointed: Callable[[TrainResult], None] | None = None,
) -> TrainResult:
    """Train (or resume) to `epochs` epochs of max(len(photos), len(styles)) iterations each;
    `max_iterations` stops earlier (smoke runs). The checkpoint at `path` is rewritten after
    every epoch and at the end (`checkpointed(result)` hears each); an interrupt (Ctrl-C,
    SIGINT) writes one where it stopped, within its epoch, and raises TrainingStopped."""
    if not photos or not styles:
        raise StyleError("training needs at least one photo and one style image")
    if config.size not in (128, 256):
        raise StyleError(f"--size must be 128 or 256, not {config.size}")
    path, data = Path(path), dict(data or {})
    model, opt_g, opt_d, state = _start(path, resume, config, data)
    a_images, b_images = prepare(photos, config.size), prepare(styles, config.size)
    per_epoch = max(len(a_images), len(b_images))
    rng = np.random.default_rng(seed + state["iteration"])
    torch.manual_seed(seed + state["iteration"])
    history, epoch, iteration = list(state["history"]), state["epoch"], state["iteration"]
    timings: list[float] = []
    sha = ""
    try:
        while epoch < epochs and (max_iterations is None or len(timings) < max_iterations):
            sums: dict[str, float] = {}
            first = max(0, iteration - epoch * per_epoch)  # resumed within an epoch
            for i in range(first, per_epoch):
                if max_iterations is not None and len(timings) >= max_iterations:
                    break
                started = time.perf_counter()
                a = _crop(rng, a_images[int(rng.integers(len(a_images)))], config.size)[None]
                b = _crop(rng, b_images[i % len(b_images)], config.size)[None]
                losses = step(model, opt_g, opt_d, a, b)
                timings.append(time.perf_counter() - started)
                iteration += 1
                sums = {k: sums.get(k, 0.0) + v for k, v in losses.items()}
                if progress:
                    progress(iteration, per_epoch * epochs, losses)
            else:
                epoch += 1
            n = max(1, len(timings))
            history.append(
                {
                    "epoch": epoch,
                    "iteration": iteration,
                    **{k: round(v / max(1, i + 1 - first), 4) for k, v in sums.items()},
                    "s_per_iteration": round(sum(timings) / n, 4),
                }
            )
            sha = save_checkpoint(
                _state(model, opt_g, opt_d, config, epoch, iteration, history, data), path
            )
            if checkpointed:
                n = max(1, len(timings))
                checkpointed(TrainResult(path, sha, epoch, iteration, sum(timings) / n, history))
    except KeyboardInterrupt:
        n = max(1, len(timings))
        history.append({"epoch": epoch, "iteration": iteration, "stopped": True,
                        "s_per_iteration": round(sum(timings) / n, 4)})  # fmt: skip
        sha = save_checkpoint(
            _state(model, opt_g, opt_d, config, epoch, iteration, history, data), path
        )
        result = TrainResult(path, sha, epoch, iteration, sum(timings) / n, history)
        if checkpointed:
            checkpointed(result)
        raise TrainingStopped(result) from None
    s_per_it = sum(timings) / len(timings) if timings else 0.0
    if not sha:
        sha = save_checkpoint(
            _state(model, opt_g, opt_d, config, epoch, iteration, history, data), path
        )
    return TrainResult(path, sha, epoch, iteration, s_per_it, history)


def _state(model, opt_g, opt_d, config, epoch, iteration, history, data) -> dict:
    return {
        "config": config.to_dict(),
        "model": {n: getattr(model, n).state_dict() for n in ("g_ab", "g_ba", "d_a", "d_b")},
        "optimiser": {"g": opt_g.state_dict(), "d": opt_d.state_dict()},
        "epoch": epoch,
        "iteration": iteration,
        "history": history,
        "data": data,
    }
