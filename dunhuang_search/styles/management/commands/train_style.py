"""`manage.py train_style --style-set SLUG --photos DIR [--size 128|256] [--epochs N] [--resume]`.

Trains the `unpaired` CycleGAN of a style set from scratch on CPU (photos -> the set), with a
checkpoint under var/styles/models/ after every epoch; `--resume` continues from it. The model
is registered (StyleModel) with its training data and metrics. One CycleGAN iteration at 128²
with 32 filters takes about 0.7 s on two idle cores; a full run is hours in the background.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import CommandError
from tqdm import tqdm

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.styles.management.commands.create_style_set import IMAGE_SUFFIXES
from dunhuang_search.styles.members import model_path, read_image, style_source
from dunhuang_search.styles.models import StyleModel, StyleSet, style_dir
from indexer.style import StyleError
from indexer.style.training import train
from indexer.style.unpaired import CycleConfig


def _photos(folder: str, side: int) -> tuple[list, list[str]]:
    path = Path(folder)
    if not path.is_dir():
        raise CommandError(f"--photos {folder}: no such folder", returncode=2)
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise CommandError(f"--photos {folder} holds no JPEG, PNG or TIFF file", returncode=2)
    return [read_image(p, side) for p in files], [p.name for p in files]


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
            with tqdm(desc="train_style", unit="it", disable=None) as bar:
                result = train(
                    photos,
                    styles,
                    path,
                    config=config,
                    epochs=options["epochs"],
                    resume=options["resume"],
                    data=data,
                    seed=options["seed"],
                    max_iterations=options["max_iterations"],
                    progress=lambda i, total, losses: (bar.update(1), bar.set_postfix(losses)),
                )
        except StyleError as exc:
            raise CommandError(str(exc), returncode=2) from exc
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
        record = {
            "style_set": style_set.slug,
            "model": str(path),
            "sha256": result.sha256,
            "epoch": result.epoch,
            "iteration": result.iteration,
            "s_per_iteration": round(result.seconds_per_iteration, 4),
        }
        self.stdout.write(json.dumps(record) if options["json"] else str(path))
