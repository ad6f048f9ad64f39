"""The ultralytics training call: a YOLO detector from a data set's data.yaml, offline.

Fresh runs (from a .yaml, as the paper trains from scratch, or fine-tuning a .pt) and resumed
ones (an interrupted run's last.pt) both end in the checkpoint to keep and a summary.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..devices import DeviceError, resolve_device


class TrainingError(ValueError):
    """Training that cannot run as asked; the message is one readable line."""


@dataclass(frozen=True)
class TrainOptions:
    model: str = "yolov8n.yaml"  # from scratch (as in the paper), or a .pt to fine-tune
    epochs: int = 50
    imgsz: int = 640
    batch: int = 16
    device: str = "auto"
    seed: int = 0
    workers: int = 0
    patience: int = 100
    optimizer: str = "auto"
    lr0: float | None = None  # None: ultralytics' default for the optimizer
    nbs: int | None = None  # nominal batch size; None: ultralytics' 64 (accumulates gradients)
    cos_lr: bool = False
    resume: bool = False  # continue the run in workdir from its last.pt

    def check(self) -> str:
        """Refuse what cannot train (TrainingError); returns the device it will train on."""
        if self.epochs < 1:
            raise TrainingError(f"--epochs must be at least 1, not {self.epochs}")
        if self.imgsz < 32 or self.imgsz % 32:
            raise TrainingError(f"--imgsz must be a multiple of 32, not {self.imgsz}")
        if self.batch < 1:
            raise TrainingError(f"--batch must be at least 1, not {self.batch}")
        if not self.model.endswith(".yaml") and not Path(self.model).is_file():
            raise TrainingError(f"--model {self.model}: no such checkpoint")
        try:
            return resolve_device(self.device)
        except DeviceError as exc:
            raise TrainingError(f"--device: {exc}") from exc

    def train_arguments(self, device: str) -> dict:
        """model.train's keyword arguments for a fresh run (not data, project or name)."""
        return {
            "epochs": self.epochs,
            "imgsz": self.imgsz,
            "batch": self.batch,
            "device": device,
            "workers": self.workers,
            "seed": self.seed,
            "deterministic": True,
            "patience": self.patience,
            "optimizer": self.optimizer,
            **({"lr0": self.lr0} if self.lr0 is not None else {}),
            **({"nbs": self.nbs} if self.nbs is not None else {}),
            "cos_lr": self.cos_lr,
            "plots": False,
            "amp": device != "cpu",
            "exist_ok": True,
            "verbose": False,
        }


def train(data_yaml: str | Path, options: TrainOptions, workdir: Path) -> tuple[Path, dict]:
    """Train with ultralytics (its augmentation, mosaic on); returns best.pt and a summary.

    The run is workdir/train; with options.resume it continues from workdir/train/weights/last.pt.
    """
    from ..detection import offline_ultralytics

    device = options.check()
    yolo = offline_ultralytics()
    if options.resume:
        last = Path(workdir) / "train" / "weights" / "last.pt"
        if not last.is_file():
            raise TrainingError(f"--resume: there is no interrupted run in {workdir}")
        model = yolo(str(last))
        started = time.monotonic()
        with _no_font_download():
            model.train(resume=True)
        return _summary(model.trainer, time.monotonic() - started, device)
    try:
        model = yolo(options.model)
    except Exception as exc:  # ultralytics raises many kinds for a bad model file
        raise TrainingError(f"cannot load --model {options.model}: {exc}") from exc
    if getattr(model, "task", "detect") != "detect":
        raise TrainingError(f"--model {options.model} is a {model.task} model, not detect")
    started = time.monotonic()
    with _no_font_download():
        arguments = options.train_arguments(device)
        model.train(data=str(data_yaml), project=str(workdir), name="train", **arguments)
    return _summary(model.trainer, time.monotonic() - started, device)


@contextlib.contextmanager
def _no_font_download() -> Iterator[None]:
    """ultralytics' check_det_dataset asks check_font for Arial.ttf, to plot with, and would ask
    GitHub for it when it is not installed; we never plot. Its check_font is set aside for the
    call and put back after."""
    import ultralytics.data.utils as data_utils

    original = data_utils.check_font
    data_utils.check_font = _no_font
    try:
        yield
    finally:
        data_utils.check_font = original


def _no_font(font: str = "Arial.ttf") -> None:
    return None


def _summary(trainer, seconds: float, device: str) -> tuple[Path, dict]:
    best = Path(trainer.best) if Path(trainer.best).is_file() else Path(trainer.last)
    metrics = {
        key.removeprefix("metrics/").removesuffix("(B)"): round(float(value), 4)
        for key, value in (trainer.metrics or {}).items()
        if key.startswith("metrics/")
    }
    summary = {
        "seconds": round(seconds, 1),
        "seconds_per_epoch": round(seconds / max(1, trainer.epoch + 1), 1),
        "epochs_run": int(trainer.epoch + 1),
        "device": device,
        "val": metrics,
    }
    return best, summary
