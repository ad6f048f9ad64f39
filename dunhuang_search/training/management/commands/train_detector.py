"""`manage.py train_detector [--model yolov8n.yaml|PATH.pt] [--epochs N] ...`.

Builds a YOLO data set from the accepted elements (or from synthetic murals, or takes one built
before), trains it with ultralytics and registers the result as a DetectorModel.

Review -> training: `--from-active` fine-tunes the active detector's weights, at its geometry,
on the reviewed murals' accepted labels (plus `--synthetic N` murals if asked); `--compare`
evaluates the new and the active detector on the same held-out reviewed murals and stores both
on the new DetectorModel; `--activate-if-better` then activates it only when its full-mural
mAP@[.5:.95] is not lower, and says so either way (comparison.py).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError
from tqdm import tqdm

from dunhuang_search.commands import DatabaseCommand, parse_size
from dunhuang_search.training.comparison import activate_if_better, compare
from dunhuang_search.training.labels import class_names, labelled_murals
from dunhuang_search.training.models import DetectorModel
from dunhuang_search.training.registry import (
    active_detector,
    default_name,
    register,
    write_weights_card,
)
from indexer.files import atomic_write
from indexer.training.datasets import DatasetError, Geometry, build_yolo_dataset, read_manifest
from indexer.training.train import TrainingError, TrainOptions, train


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
    from indexer.training.datasets import synthetic_murals

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

    reviewed = options.get("murals")  # None: every mural with accepted labels
    if options.get("from_active"):  # the reviewed murals, and synthetic ones if asked
        murals = labelled_murals(names, reviewed)
        if options["synthetic"]:
            murals += synthetic_from_options(options, names, progress)
    elif options["synthetic"]:
        murals = synthetic_from_options(options, names, progress)
    else:
        murals = labelled_murals(names, reviewed)
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
        loop = parser.add_argument_group("review -> training")
        loop.add_argument(
            "--from-active",
            action="store_true",
            help="fine-tune the active detector (its weights and geometry) on the reviewed "
            "murals' accepted labels, plus --synthetic N murals if given",
        )
        loop.add_argument(
            "--compare",
            action="store_true",
            help="evaluate the new and the active detector on the same held-out murals",
        )
        loop.add_argument(
            "--activate-if-better",
            action="store_true",
            help="activate the new detector only if its full-mural mAP@[.5:.95] is not lower "
            "(implies --compare)",
        )
        add_dataset_arguments(parser)

    def handle(self, *args, **options) -> None:
        try:
            record = train_detector(options)
        except (TrainingError, DatasetError) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if record.get("activation"):
            self.stderr.write(record["activation"])
        if options["json"]:
            self.stdout.write(json.dumps(record))
        else:
            self.stdout.write(
                f"detector {record['name']} ({record['weights']}), val {record['metrics']}"
                + (", active" if record["active"] else "")
            )


def train_detector(options: dict) -> dict:
    """Train, register and (as asked) compare and activate: the command's work, for the
    options its parser gives (`murals`, a Mural queryset or list, limits the accepted labels
    to those murals); returns the record the command prints."""
    name = options["name"] or default_name()
    active = from_active(options) if options["from_active"] else active_detector()
    check_before_building(options, name)  # before minutes of data set building
    names = class_names()
    Path(settings.DATASETS_DIR).mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if options["run_dir"]:
            run_dir = Path(options["run_dir"]).resolve()  # ultralytics nests relative paths
            run_dir.mkdir(parents=True, exist_ok=True)
        else:
            run_dir = Path(
                stack.enter_context(
                    tempfile.TemporaryDirectory(prefix=f"train-{name}-", dir=settings.DATASETS_DIR)
                )
            )
        data_dir, dataset = dataset_for_run(options, run_dir, names)
        train_options = train_options_from(options, dataset["geometry"])
        best, summary = train(data_dir / "data.yaml", train_options, run_dir / "runs")
        row = register_trained(best, name, options, dataset, train_options, summary)
        comparison, activation = None, ""
        if options["compare"] or options["activate_if_better"]:
            comparison = compare(row, active, data_dir, names)
            if options["activate_if_better"]:
                _, activation = activate_if_better(row, comparison)
            row.refresh_from_db()
    return {
        "name": row.name,
        "weights": row.weights,
        "classes": row.classes,
        "tile_size": row.tile_size,
        "scale": row.scale,
        "metrics": row.metrics,
        "parameters": row.parameters,
        "active": row.is_active,
        "comparison": comparison,
        "activation": activation,
        "thresholds": row.thresholds,
    }


def from_active(options: dict):
    """--from-active: start from the active detector's weights at its geometry (what --model,
    --tile and --scale would say is taken from it; giving them otherwise is refused)."""
    active = active_detector()
    if options["model"] not in ("yolov8n.yaml", active.weights):
        raise TrainingError("--from-active starts from the active detector; drop --model")
    if options["tile"] not in (None, active.tile_size) or options["scale"] not in (
        1.0,
        active.scale,
    ):
        raise TrainingError(
            f"--from-active trains at the active detector's geometry (tile {active.tile_size},"
            f" scale {active.scale}); drop --tile and --scale"
        )
    options.update(model=active.weights, tile=active.tile_size, scale=active.scale)
    return active


def check_before_building(options: dict, name: str) -> None:
    """TrainingError for options that cannot train, or a name already taken."""
    if options["data"] and options["synthetic"]:
        raise TrainingError("give --data or --synthetic, not both")
    if options.get("activate_if_better") and options["activate"]:
        raise TrainingError("give --activate or --activate-if-better, not both")
    if options["resume"] and not options["run_dir"]:
        raise TrainingError("--resume needs the --run-dir of the interrupted run")
    if options["synthetic"] is not None and options["synthetic"] < 1:
        raise TrainingError(f"--synthetic must be at least 1, not {options['synthetic']}")
    TrainOptions(
        model=options["model"],
        epochs=options["epochs"],
        imgsz=options["imgsz"] or 640,
        batch=options["batch"],
        device=options["device"],
    ).check()
    if DetectorModel.objects.filter(name=name).exists():
        raise TrainingError(f"a detector named {name!r} exists already; choose another --name")


def dataset_for_run(options: dict, run_dir: Path, names: list[str]) -> tuple[Path, dict]:
    """The data set folder and its info: --data, else the one a kept --run-dir built before,
    else one built now into run_dir/dataset."""
    if options["data"]:
        data_dir = Path(options["data"])
        dataset = read_manifest(data_dir)["info"]
        if dataset["names"] != names:
            raise TrainingError(
                f"{data_dir} has classes {dataset['names']}, the categories are {names}"
            )
        return data_dir, dataset
    data_dir = run_dir / "dataset"
    if (data_dir / "murals.json").is_file():  # a kept run's data set
        return data_dir, read_manifest(data_dir)["info"]
    return data_dir, build_dataset_from_options(options, data_dir, names)


def train_options_from(options: dict, geometry: dict) -> TrainOptions:
    """The run's TrainOptions; imgsz defaults to the data set's tile size."""
    return TrainOptions(
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


def register_trained(
    best: Path, name: str, options: dict, dataset: dict, train_options: TrainOptions, summary: dict
) -> DetectorModel:
    """The DetectorModel of a finished run (and its --out copy with a weights card)."""
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
        "dataset": {
            k: dataset[k]
            for k in (
                "train_tiles",
                "val_tiles",
                "train_boxes",
                "val_boxes",
                "train_murals",
                "val_murals",
            )
        },
        "source": "synthetic"
        if options["synthetic"]
        else (str(options["data"]) if options["data"] else "accepted elements"),
    }
    if options.get("from_active"):
        parameters["from_active"] = options["model"]
        extra = " + synthetic" if options["synthetic"] else ""
        parameters["source"] = f"accepted elements{extra}"
    if options["synthetic"]:
        parameters["synthetic"] = {
            "count": options["synthetic"],
            "size": options["synthetic_size"],
            "seed": options["synthetic_seed"],
        }
    geometry = dataset["geometry"]
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
        out = Path(options["out"])
        with atomic_write(out) as staged:
            shutil.copyfile(row.weights, staged)
        write_weights_card(out, row, command_line())
    return row
