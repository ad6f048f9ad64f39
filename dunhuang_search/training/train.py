"""Training sets from accepted elements, ultralytics training, and the DetectorModel registry."""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.models import Category, Element
from indexer.datasets import DatasetError, LabelledBox, LabelledMural

from .models import DetectorModel


class TrainingError(ValueError):
    """Training that cannot run as asked; the message is one readable line."""


def class_names() -> list[str]:
    """The detector's classes: every category slug, in the order the categories were made."""
    return list(Category.objects.order_by("pk").values_list("slug", flat=True))


def accepted_elements():
    """Boxes a person vouches for: manual ones not rejected, and detector ones accepted.

    Corrections made in the UI (accepting, rejecting, adding boxes) flow back into training.
    """
    return Element.objects.filter(
        (Q(source=Element.Source.MANUAL) & ~Q(review_state=Element.Review.REJECTED))
        | (Q(source=Element.Source.DETECTOR) & Q(review_state=Element.Review.ACCEPTED)),
        category__isnull=False,
    )


def labelled_murals(names: list[str], murals=None) -> list[LabelledMural]:
    """Every mural with at least one accepted element, as the dataset builder takes them."""
    index = {slug: i for i, slug in enumerate(names)}
    boxes: dict[int, list[LabelledBox]] = {}
    rows = accepted_elements().values_list("mural_id", "x", "y", "w", "h", "category__slug")
    if murals is not None:
        rows = rows.filter(mural__in=murals)
    for mural_id, x, y, w, h, slug in rows.order_by("mural_id", "pk"):
        if slug not in index:
            raise DatasetError(f"category {slug!r} is not one of the detector's classes {names}")
        boxes.setdefault(mural_id, []).append(LabelledBox(x, y, w, h, index[slug]))
    out = []
    for mural in Mural.objects.filter(pk__in=boxes).order_by("pk"):
        out.append(
            LabelledMural(f"mural-{mural.pk}", str(mural.pyramid_path), tuple(boxes[mural.pk]))
        )
    return out


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

    def check(self) -> None:
        if self.epochs < 1:
            raise TrainingError(f"--epochs must be at least 1, not {self.epochs}")
        if self.imgsz < 32 or self.imgsz % 32:
            raise TrainingError(f"--imgsz must be a multiple of 32, not {self.imgsz}")
        if self.batch < 1:
            raise TrainingError(f"--batch must be at least 1, not {self.batch}")
        if not self.model.endswith(".yaml") and not Path(self.model).is_file():
            raise TrainingError(f"--model {self.model}: no such checkpoint")


def resolve_device(device: str) -> str:
    if device not in ("auto", "cpu", "cuda") and not device.startswith("cuda:"):
        raise TrainingError(f"--device must be auto, cpu or cuda, not {device!r}")
    import torch

    if device == "auto":
        return "0" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise TrainingError("--device cuda, but no CUDA device is available")
        return device.partition(":")[2] or "0"
    return "cpu"


def train(data_yaml: str | Path, options: TrainOptions, workdir: Path) -> tuple[Path, dict]:
    """Train with ultralytics (its augmentation, mosaic on); returns best.pt and a summary."""
    from indexer.detection import offline_ultralytics

    options.check()
    device = resolve_device(options.device)
    yolo = offline_ultralytics()
    last = Path(workdir) / "train" / "weights" / "last.pt"
    if options.resume:
        if not last.is_file():
            raise TrainingError(f"--resume: there is no interrupted run in {workdir}")
        started = time.monotonic()
        model = yolo(str(last))
        with mock.patch("ultralytics.data.utils.check_font", lambda *args, **kwargs: None):
            model.train(resume=True)
        return _summary(model.trainer, time.monotonic() - started, device)
    try:
        model = yolo(options.model)
    except Exception as exc:  # ultralytics raises many kinds for a bad model file
        raise TrainingError(f"cannot load --model {options.model}: {exc}") from exc
    if getattr(model, "task", "detect") != "detect":
        raise TrainingError(f"--model {options.model} is a {model.task} model, not detect")
    started = time.monotonic()
    # check_det_dataset fetches Arial.ttf for plots when it is missing; we never plot.
    with mock.patch("ultralytics.data.utils.check_font", lambda *args, **kwargs: None):
        model.train(
            data=str(data_yaml),
            epochs=options.epochs,
            imgsz=options.imgsz,
            batch=options.batch,
            device=device,
            workers=options.workers,
            seed=options.seed,
            deterministic=True,
            patience=options.patience,
            optimizer=options.optimizer,
            **({"lr0": options.lr0} if options.lr0 is not None else {}),
            **({"nbs": options.nbs} if options.nbs is not None else {}),
            cos_lr=options.cos_lr,
            plots=False,
            amp=device != "cpu",
            project=str(workdir),
            name="train",
            exist_ok=True,
            verbose=False,
        )
    return _summary(model.trainer, time.monotonic() - started, device)


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


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def register(
    weights: Path,
    name: str,
    tile_size: int,
    scale: float,
    metrics: dict,
    parameters: dict,
    activate: bool = False,
    copy: bool = True,
) -> DetectorModel:
    """Keep a checkpoint under DETECTOR_MODELS_DIR and record it; optionally make it active."""
    from indexer.detection import Detector, DetectorError

    if DetectorModel.objects.filter(name=name).exists():
        raise TrainingError(f"a detector named {name!r} exists already; choose another --name")
    try:
        names = Detector(weights, runtime="torch", device="cpu").names
    except DetectorError as exc:
        raise TrainingError(str(exc)) from exc
    target = weights
    if copy:
        target = Path(settings.DETECTOR_MODELS_DIR) / name / "best.pt"
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(".best.pt.part")
        shutil.copyfile(weights, staged)
        staged.replace(target)
    try:
        row = DetectorModel.objects.create(
            name=name,
            weights=str(target),
            sha256=sha256_of(target),
            classes=[names[i] for i in sorted(names)],
            tile_size=tile_size,
            scale=scale,
            metrics=metrics,
            parameters=parameters,
        )
        if activate:
            row.activate()
    except BaseException:
        if copy:
            shutil.rmtree(target.parent, ignore_errors=True)
        raise
    return row


def default_name() -> str:
    return "yolo-" + timezone.now().strftime("%Y%m%d-%H%M%S")
