"""`manage.py build_dataset OUT [--tile N --scale S ...]`: the ultralytics YOLO data set that
train_detector would train on, written to OUT (images, YOLO txt, data.yaml, murals.json)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import CommandError

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.training.labels import class_names
from indexer.training.datasets import DatasetError

from .train_detector import add_dataset_arguments, build_dataset_from_options


class Command(DatabaseCommand):
    help = "Cut the accepted elements' murals (or synthetic ones) into a YOLO data set."

    def add_arguments(self, parser) -> None:
        parser.add_argument("out", help="a new folder for the data set")
        parser.add_argument("--json", action="store_true", help="print one JSON object last")
        add_dataset_arguments(parser)

    def handle(self, *args, **options) -> None:
        if options["data"]:
            raise CommandError("--data takes a built data set; this makes one", returncode=2)
        try:
            info = build_dataset_from_options(options, Path(options["out"]), class_names())
        except DatasetError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["json"]:
            self.stdout.write(json.dumps(info))
        else:
            self.stdout.write(
                f"{info['data_yaml']}: {info['train_tiles']} train tiles from"
                f" {len(info['train_murals'])} murals, {info['val_tiles']} val tiles from"
                f" {len(info['val_murals'])}"
            )
