"""`manage.py train_style --style-set SLUG --photos DIR [--size 128|256] [--epochs N] [--resume]`.

Trains the `unpaired` CycleGAN of a style set from scratch on CPU (photos -> the set), with a
checkpoint under var/styles/models/ after every epoch; `--resume` continues from it. The model
is registered (StyleModel) with its training data and metrics. One CycleGAN iteration at 128²
with 32 filters takes about 0.7 s on two idle cores; a full run is hours in the background.
The run reports its iterations and epochs on a StyleJob row, which the set page polls; Ctrl-C
(SIGINT) writes a checkpoint where it stopped and registers it, so `--resume` goes on from there.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import CommandError
from tqdm import tqdm

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.styles.jobs import Reporter, finish, start_training
from dunhuang_search.styles.management.commands.create_style_set import IMAGE_SUFFIXES
from dunhuang_search.styles.members import model_path, read_image, style_source
from dunhuang_search.styles.models import StyleJob, StyleModel, StyleSet, style_dir
from indexer.style import StyleError
from indexer.style.training import TrainingStopped, train
from indexer.style.unpaired import CycleConfig


def _photos(folder: str, side: int) -> tuple[list, list[str]]:
    path = Path(folder)
    if not path.is_dir():
        raise CommandError(f"--photos {folder}: no such folder", returncode=2)
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise CommandError(f"--photos {folder} holds no JPEG, PNG or TIFF file", returncode=2)
    return [read_image(p, side) for p in files], [p.name for p in files]


def register(style_set: StyleSet, size: int, path, result, data: dict) -> StyleModel:
    """The StyleModel row of a checkpoint (written after every epoch, so that a stopped run's
    model is usable and resumable)."""
    model, _ = StyleModel.objects.update_or_create(
        style_set=style_set,
        size=size,
        defaults={
            "path": str(path.relative_to(style_dir())),
            "sha256": result.sha256,
            "epochs": result.epoch,
            "iterations": result.iteration,
            "seconds_per_iteration": round(result.seconds_per_iteration, 4),
            "style_set_version": style_set.version,
            "data": data,
            "history": result.history,
        },
    )
    return model


class Command(DatabaseCommand):
    help = "Train (or resume) the unpaired photo-to-style model of a style set."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--style-set", required=True)
        parser.add_argument("--photos", required=True, help="a folder of photos (domain A)")
        parser.add_argument("--size", type=int, default=128, choices=(128, 256))
        parser.add_argument("--epochs", type=int, default=100)
        parser.add_argument("--resume", action="store_true")
        parser.add_argument(
            "--max-iterations",
            type=int,
            default=None,
            help="stop after this many iterations (smoke runs)",
        )
        parser.add_argument("--filters", type=int, default=32)
        parser.add_argument("--blocks", type=int, default=6)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options) -> None:
        style_set = StyleSet.objects.filter(slug=options["style_set"]).first()
        if style_set is None:
            raise CommandError(f"unknown style set {options['style_set']!r}", returncode=2)
        if options["epochs"] < 1:
            raise CommandError("--epochs must be at least 1", returncode=2)
        size = options["size"]
        path = model_path(style_set, size)
        if options["resume"] and not path.is_file():
            raise CommandError(f"nothing to resume: {path} does not exist", returncode=2)
        try:
            styles = style_source(style_set).images
            photos, names = _photos(options["photos"], 2 * size)
            data = {
                "style_set": style_set.slug,
                "style_set_version": style_set.version,
                "styles": len(styles),
                "photos": len(photos),
                "photos_dir": str(Path(options["photos"]).resolve()),
                "photo_files": names,
            }
            config = CycleConfig(size, options["filters"], options["blocks"])
        except StyleError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        epochs = options["epochs"]
        per_epoch = max(len(styles), len(photos))
        job = start_training(
            style_set,
            per_epoch * epochs,
            {"size": size, "epochs": epochs, "resume": options["resume"], "photos": len(photos)},
        )
        report = Reporter(job.pk, every=2.0)

        clock = {"start": time.monotonic(), "n": 0}

        def progress(i: int, total: int, losses: dict) -> None:
            bar.update(1)
            bar.set_postfix(losses)
            clock["n"] += 1
            rate = clock["n"] / max(1e-9, time.monotonic() - clock["start"])
            report(
                f"epoch {i // per_epoch + 1} of {epochs}",
                i,
                total,
                epoch=i // per_epoch,
                epochs=epochs,
                s_per_iteration=round(1 / rate, 3) if rate else None,
                **{k: round(v, 4) for k, v in losses.items()},
            )

        def checkpointed(result) -> None:
            register(style_set, size, path, result, data)

        try:
            with tqdm(desc="train_style", unit="it", disable=None) as bar:
                result = train(
                    photos,
                    styles,
                    path,
                    config=config,
                    epochs=epochs,
                    resume=options["resume"],
                    data=data,
                    seed=options["seed"],
                    max_iterations=options["max_iterations"],
                    progress=progress,
                    checkpointed=checkpointed,
                )
        except TrainingStopped as stopped:
            r = stopped.result
            finish(job.pk, f"{stopped}; continue with --resume", done=r.iteration)
            raise CommandError(f"train_style {stopped}: {path} (continue with --resume)") from None
        except StyleError as exc:  # refused before the first iteration: leave no job row
            StyleJob.objects.filter(pk=job.pk).delete()
            raise CommandError(str(exc), returncode=2) from exc
        except Exception as exc:
            finish(job.pk, str(exc) or type(exc).__name__)
            raise
        register(style_set, size, path, result, data)
        finish(job.pk, done=result.iteration, total=max(result.iteration, 1))
        record = {
            "style_set": style_set.slug,
            "model": str(path),
            "sha256": result.sha256,
            "epoch": result.epoch,
            "iteration": result.iteration,
            "s_per_iteration": round(result.seconds_per_iteration, 4),
        }
        self.stdout.write(json.dumps(record) if options["json"] else str(path))
