"""`manage.py train_detector [--model yolov8n.yaml|PATH.pt] [--epochs N] ...`.

Builds a YOLO data set from the accepted elements (or from synthetic murals, or takes one built
before), trains it with ultralytics and registers the result as a DetectorModel.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError
from tqdm import tqdm

from dunhuang_search.commands import DatabaseCommand, parse_size
from dunhuang_search.training.registry import write_weights_card
from dunhuang_search.training.train import (
    TrainingError,
    TrainOptions,
    class_names,
    default_name,
    labelled_murals,
    register,
    resolve_device,
    train,
)
from indexer.datasets import DatasetError, Geometry, build_yolo_dataset, read_manifest


def command_line() -> str:
    """This command as typed (for the record that reproduces a checkpoint)."""
    import shlex
    import sys

    args = sys.argv[1:] if Path(sys.argv[0]).name == "manage.py" else ["train_detector"]
    return "python manage.py " + " ".join(shlex.quote(a) for a in args)


def add_dataset_arguments(parser) -> None:
    source = parser.add_argument_group("training data (default: the accepted elements)")
    source.add_argument("--data", help="a data set folder built by build_dataset")
    source.add_argument(
        "--synthetic", type=int, metavar="N", help="train on N generated murals instead"
    )
    source.add_argument("--synthetic-size", default="4096x3072", help="WIDTHxHEIGHT")
    source.add_argument("--synthetic-seed", type=int, default=100)
    geometry = parser.add_argument_group("tiling (the indexer tiles the same way)")
    geometry.add_argument("--tile", type=int, default=None, help="tile side in detector pixels")
    geometry.add_argument(
        "--scale", type=float, default=1.0, help="detector pixels per mural pixel (<= 1)"
    )
    geometry.add_argument("--overlap", type=float, default=0.5)
    geometry.add_argument(
        "--min-visible", type=float, default=0.5, help="keep a clipped box above this share"
    )
    geometry.add_argument("--val-fraction", type=float, default=0.2, help="murals held out")
    geometry.add_argument("--split-seed", type=int, default=0)


def synthetic_from_options(options: dict, names: list[str], progress=None) -> list:
    """The --synthetic N murals (--synthetic-size, --synthetic-seed), generated once and cached
    under DATASETS_DIR."""
    from indexer.datasets import synthetic_murals

    width, height = parse_size(options["synthetic_size"], "--synthetic-size", min_side=32)
    return synthetic_murals(
        Path(settings.DATASETS_DIR) / "synthetic-murals",
        options["synthetic"],
        width,
        height,
        options["synthetic_seed"],
        names,
        progress=progress,
    )


def build_dataset_from_options(options: dict, out_dir: Path, names: list[str]) -> dict:
    """Build the data set the options describe into out_dir; returns its info."""
    geometry = Geometry(
        tile_size=options["tile"] or settings.INDEX_TILE_SIZE,
        overlap=options["overlap"],
        scale=options["scale"],
        min_visible=options["min_visible"],
    )

    def progress(items, **kwargs):
        return tqdm(items, disable=None, **kwargs)

    if options["synthetic"]:
        murals = synthetic_from_options(options, names, progress)
    else:
        murals = labelled_murals(names)
    info = build_yolo_dataset(
        murals,
        names,
        out_dir,
        geometry,
        val_fraction=options["val_fraction"],
        seed=options["split_seed"],
        progress=progress,
    )
    return info.to_json()


class Command(DatabaseCommand):
    help = "Train a YOLO detector with ultralytics and register it as a DetectorModel."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--model", default="yolov8n.yaml", help="yolov8n.yaml (from scratch) or a .pt"
        )
        parser.add_argument("--epochs", type=int, default=50)
        parser.add_argument("--imgsz", type=int, default=None, help="default: the tile size")
        parser.add_argument("--batch", type=int, default=16)
        parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--optimizer", default="auto", help="ultralytics optimizer")
        parser.add_argument("--lr0", type=float, default=None, help="initial learning rate")
        parser.add_argument(
            "--nbs", type=int, default=None, help="nominal batch size (ultralytics: 64)"
        )
        parser.add_argument("--cos-lr", action="store_true", help="cosine learning-rate schedule")
        parser.add_argument(
            "--run-dir",
            help="keep the data set and the run in this folder (default: a temporary one), "
            "so that an interrupted run can be resumed",
        )
        parser.add_argument(
            "--resume", action="store_true", help="continue the interrupted run in --run-dir"
        )
        parser.add_argument("--name", default=None, help="the DetectorModel's name")
        parser.add_argument("--activate", action="store_true", help="make it the indexer's")
        parser.add_argument("--out", help="also copy the trained checkpoint to this path")
        parser.add_argument("--json", action="store_true", help="print one JSON object last")
        add_dataset_arguments(parser)

    def handle(self, *args, **options) -> None:
        try:
            record = self._train(options)
        except (TrainingError, DatasetError) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["json"]:
            self.stdout.write(json.dumps(record))
        else:
            self.stdout.write(
                f"detector {record['name']} ({record['weights']}), val {record['metrics']}"
                + (", active" if record["active"] else "")
            )

    def _train(self, options: dict) -> dict:
        if options["data"] and options["synthetic"]:
            raise TrainingError("give --data or --synthetic, not both")
        if options["resume"] and not options["run_dir"]:
            raise TrainingError("--resume needs the --run-dir of the interrupted run")
        if options["synthetic"] is not None and options["synthetic"] < 1:
            raise TrainingError(f"--synthetic must be at least 1, not {options['synthetic']}")
        name = options["name"] or default_name()
        # check the options before minutes of data set building
        TrainOptions(
            model=options["model"],
            epochs=options["epochs"],
            imgsz=options["imgsz"] or 640,
            batch=options["batch"],
            device=options["device"],
        ).check()
        resolve_device(options["device"])
        from dunhuang_search.training.models import DetectorModel

        if DetectorModel.objects.filter(name=name).exists():
            raise TrainingError(f"a detector named {name!r} exists already; choose another --name")
        names = class_names()
        Path(settings.DATASETS_DIR).mkdir(parents=True, exist_ok=True)
        with contextlib.ExitStack() as stack:
            if options["run_dir"]:
                tmp = Path(options["run_dir"])
                tmp.mkdir(parents=True, exist_ok=True)
            else:
                tmp = stack.enter_context(
                    tempfile.TemporaryDirectory(prefix=f"train-{name}-", dir=settings.DATASETS_DIR)
                )
            if options["data"]:
                data_dir = Path(options["data"])
                dataset = read_manifest(data_dir)["info"]
                if dataset["names"] != names:
                    raise TrainingError(
                        f"{data_dir} has classes {dataset['names']}, the categories are {names}"
                    )
            elif (Path(tmp) / "dataset" / "murals.json").is_file():  # a kept run's data set
                data_dir = Path(tmp) / "dataset"
                dataset = read_manifest(data_dir)["info"]
            else:
                data_dir = Path(tmp) / "dataset"
                dataset = build_dataset_from_options(options, data_dir, names)
            geometry = dataset["geometry"]
            train_options = TrainOptions(
                model=options["model"],
                epochs=options["epochs"],
                imgsz=options["imgsz"] or geometry["tile_size"],
                batch=options["batch"],
                device=options["device"],
                seed=options["seed"],
                optimizer=options["optimizer"],
                lr0=options["lr0"],
                nbs=options["nbs"],
                cos_lr=options["cos_lr"],
                resume=options["resume"],
            )
            best, summary = train(data_dir / "data.yaml", train_options, Path(tmp) / "runs")
            parameters = {
                "model": train_options.model,
                "epochs": train_options.epochs,
                "imgsz": train_options.imgsz,
                "batch": train_options.batch,
                "device": summary["device"],
                "seed": train_options.seed,
                "optimizer": train_options.optimizer,
                "lr0": train_options.lr0,
                "nbs": train_options.nbs,
                "train_seconds": summary["seconds"],
                "seconds_per_epoch": summary["seconds_per_epoch"],
                "dataset": {k: dataset[k] for k in ("train_tiles", "val_tiles", "train_boxes",
                                                      "val_boxes", "train_murals", "val_murals")},
                "source": "synthetic" if options["synthetic"] else (
                    str(options["data"]) if options["data"] else "accepted elements"),
            }
            if options["synthetic"]:
                parameters["synthetic"] = {
                    "count": options["synthetic"],
                    "size": options["synthetic_size"],
                    "seed": options["synthetic_seed"],
                }
            try:
                row = register(
                    best,
                    name,
                    geometry["tile_size"],
                    geometry["scale"],
                    summary["val"],
                    parameters,
                    activate=options["activate"],
                )
            except DatabaseError as exc:
                raise TrainingError(f"could not register the detector: {exc}") from exc
            if options["out"]:
                import shutil

                out = Path(options["out"])
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(row.weights, out)
                write_weights_card(out, row, command_line())
        return {
            "name": row.name,
            "weights": row.weights,
            "classes": row.classes,
            "tile_size": row.tile_size,
            "scale": row.scale,
            "metrics": row.metrics,
            "parameters": row.parameters,
            "active": row.is_active,
        }
