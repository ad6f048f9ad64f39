"""`manage.py evaluate_detector [--json]`: the paper's Table 3 for a detector, on tiles and on
whole murals through the indexer's tiling and merging.

The held-out murals are, by default, the validation murals of the accepted elements (the split
train_detector makes); `--data DIR` takes the val murals of a built data set, and `--synthetic N`
generates N new murals (use seeds the detector never trained on).

On whole murals it also reports, per class, precision and recall at every confidence and the
operating threshold the rule picks (indexer/training/thresholds.py), and the numbers at the
model's stored thresholds. `--save-thresholds` stores the picked ones on the DetectorModel and
its card, with the seeds they were calibrated on, and flags its elements again: calibrate on a
seed other than the one the held-out evaluation reports on.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from tqdm import tqdm

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.training.labels import class_names, labelled_murals
from dunhuang_search.training.models import DetectorModel
from dunhuang_search.training.registry import (
    DetectorChoice,
    active_detector,
    choice_of,
    weights_card,
)
from dunhuang_search.training.thresholds import save_thresholds, update_card
from indexer.training.datasets import (
    DatasetError,
    Geometry,
    LabelledBox,
    LabelledMural,
    read_manifest,
    split_by_mural,
)
from indexer.training.thresholds import thresholds_of
from indexer.training.train import TrainingError

from .train_detector import synthetic_from_options


def _progress(items, **kwargs):
    return tqdm(items, disable=None, leave=False, **kwargs)


class Command(DatabaseCommand):
    help = "COCO mAP@[.5:.95], mAP@0.5 and AR of a detector, per category, on tiles and murals."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--model", help="a DetectorModel name or a .pt (default: the active)")
        parser.add_argument("--data", help="evaluate on the val murals of this built data set")
        parser.add_argument("--synthetic", type=int, metavar="N", help="N generated murals")
        parser.add_argument("--synthetic-size", default="4096x3072", help="WIDTHxHEIGHT")
        parser.add_argument("--synthetic-seed", type=int, default=900)
        parser.add_argument("--val-fraction", type=float, default=0.2)
        parser.add_argument("--split-seed", type=int, default=0)
        parser.add_argument("--min-visible", type=float, default=0.5)
        parser.add_argument(
            "--runtime", choices=["auto", "torch", "openvino", "onnx"], default=None
        )
        parser.add_argument("--conf", type=float, default=0.001, help="keep boxes above (mAP)")
        parser.add_argument(
            "--levels", default="tile,full_mural", help="tile, full_mural or both (comma)"
        )
        parser.add_argument(
            "--save-thresholds",
            action="store_true",
            help="store the per-class operating thresholds picked on these murals on the model "
            "(and its card), and flag its elements again",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object last")

    def handle(self, *args, **options) -> None:
        try:
            record = self._evaluate(options)
        except (TrainingError, DatasetError) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["json"]:
            self.stdout.write(json.dumps(record))
            return
        for level in ("tile", "full_mural"):
            if record.get(level):
                self.stdout.write(_table(level, record[level]))
        if record.get("thresholds"):
            self.stdout.write(_threshold_table(record["full_mural"]["operating"]))

    def _evaluate(self, options: dict) -> dict:
        from indexer.detection import Detector, DetectorError
        from indexer.pipeline import IndexConfig
        from indexer.training.evaluation import evaluate_murals, evaluate_tiles

        levels = {level.strip() for level in options["levels"].split(",") if level.strip()}
        if not levels or levels - {"tile", "full_mural"}:
            raise TrainingError(f"--levels takes tile and/or full_mural, not {options['levels']!r}")
        if options["data"] and options["synthetic"]:
            raise TrainingError("give --data or --synthetic, not both")
        if options["save_thresholds"] and "full_mural" not in levels:
            raise TrainingError("--save-thresholds needs the full_mural level")
        choice, row = self._model(options["model"])
        names = class_names()
        if choice.classes is not None and list(choice.classes) != names:
            raise TrainingError(
                f"the model's classes {list(choice.classes)} do not match the categories {names}"
            )
        murals, geometry, dataset = self._murals(options, choice, names)
        if not murals:
            raise DatasetError("the evaluation set is empty: there is no held-out mural")
        try:
            detector = Detector(
                choice.weights,
                runtime=options["runtime"] or settings.DETECTOR_RUNTIME,
                device=settings.DEVICE,
                imgsz=geometry.tile_size,
                conf=options["conf"],
                batch_size=1,
                cache_dir=settings.DETECTOR_EXPORT_DIR,
                max_det=settings.DETECTOR_MAX_DET,
            )
        except DetectorError as exc:
            raise TrainingError(str(exc)) from exc
        model_names = [detector.names[i] for i in sorted(detector.names)]
        if model_names != names:
            raise TrainingError(
                f"{choice.weights} has classes {model_names}, the categories are {names}"
            )
        record: dict = {"tile": None, "full_mural": None}
        if "tile" in levels:
            record["tile"] = evaluate_tiles(detector, murals, geometry, names, progress=_progress)
        if "full_mural" in levels:
            config = IndexConfig(
                tile_size=geometry.tile_size,
                overlap=geometry.overlap,
                scale=geometry.scale,
                batch_size=settings.INDEX_BATCH_SIZE,
            )
            record["full_mural"] = evaluate_murals(
                detector,
                murals,
                config,
                names,
                progress=_progress,
                stored_thresholds=choice.thresholds,
            )
            record["thresholds"] = thresholds_of(record["full_mural"]["operating"])
        if record["tile"] and record["full_mural"]:
            record["gap_map50_95"] = round(
                record["tile"]["map50_95"] - record["full_mural"]["map50_95"], 4
            )
        record["model"] = {
            "name": choice.name,
            "weights": choice.weights,
            "tile_size": geometry.tile_size,
            "scale": geometry.scale,
            "runtime": detector.runtime,
            "conf": options["conf"],
        }
        record["dataset"] = dataset
        if options["save_thresholds"]:
            record["saved"] = self._save(choice, row, record["thresholds"], dataset, options)
        return record

    def _save(self, choice, row, thresholds: dict, dataset: dict, options: dict) -> dict:
        """Store the thresholds on the model's row (and card), or on the card alone for weights
        that are not registered; returns where they went."""
        calibration = {
            key: dataset.get(key) for key in ("source", "count", "size", "seed", "split_seed")
        }
        calibration = {k: v for k, v in calibration.items() if v is not None}
        calibration.update(murals=dataset["murals"], boxes=dataset["boxes"], iou=0.5,
                           precision_target=0.9, conf_floor=options["conf"])  # fmt: skip
        if row is not None:
            touched = save_thresholds(row, thresholds, calibration)
            return {"model": row.name, "elements_reflagged": sum(touched.values())}
        card = update_card(Path(choice.weights), thresholds, calibration)
        if card is None:
            raise TrainingError(
                f"{choice.weights} is neither a registered DetectorModel nor has a .json card "
                f"to store thresholds in; register it (train_detector or load_demo) first"
            )
        return {"card": str(card)}

    def _model(self, model: str | None) -> tuple[DetectorChoice, DetectorModel | None]:
        if not model:
            row = DetectorModel.active()
            return (choice_of(row) if row else active_detector()), row
        row = DetectorModel.objects.filter(name=model).first()
        if row is not None:
            return choice_of(row), row
        if Path(model).is_file():
            current = active_detector()
            card = weights_card(model)
            choice = DetectorChoice(
                card.get("name", Path(model).stem),
                model,
                int(card.get("tile_size", current.tile_size)),
                float(card.get("scale", current.scale)),
                None,
                card.get("thresholds") or {},
            )
            return choice, None
        raise TrainingError(f"--model {model}: no DetectorModel of that name and no such file")

    def _murals(self, options: dict, choice: DetectorChoice, names: list[str]):
        geometry = Geometry(
            tile_size=choice.tile_size, scale=choice.scale, min_visible=options["min_visible"]
        )
        if options["synthetic"]:
            if options["synthetic"] < 1:
                raise TrainingError(f"--synthetic must be at least 1, not {options['synthetic']}")
            murals = synthetic_from_options(options, names, _progress)
            source = {
                "source": "synthetic",
                "count": options["synthetic"],
                "size": options["synthetic_size"],
                "seed": options["synthetic_seed"],
            }
        elif options["data"]:
            manifest = read_manifest(options["data"])
            if manifest["info"]["names"] != names:
                raise TrainingError(
                    f"{options['data']} has classes {manifest['info']['names']}, the categories"
                    f" are {names}"
                )
            g = manifest["info"]["geometry"]
            geometry = Geometry(g["tile_size"], g["overlap"], g["scale"], g["min_visible"])
            murals = [
                LabelledMural(m["key"], m["pyramid"], tuple(LabelledBox(**b) for b in m["boxes"]))
                for m in manifest["murals"]
                if m["split"] == "val"
            ]
            source = {"source": str(options["data"])}
        else:
            everything = labelled_murals(names)
            val = split_by_mural(
                [m.key for m in everything], options["val_fraction"], options["split_seed"]
            )
            murals = [m for m in everything if m.key in val]
            source = {"source": "accepted elements", "split_seed": options["split_seed"]}
        source.update(
            murals=len(murals),
            boxes=sum(len(m.boxes) for m in murals),
            geometry={"tile_size": geometry.tile_size, "overlap": geometry.overlap,
                      "scale": geometry.scale, "min_visible": geometry.min_visible},
        )
        return murals, geometry, source


def _table(level: str, metrics: dict) -> str:
    lines = [
        f"{level}: mAP@[.5:.95] {metrics['map50_95']:.3f}  mAP@0.5 {metrics['map50']:.3f}"
        f"  AR {metrics['ar']:.3f}"
    ]
    for slug, row in metrics["per_category"].items():
        if row is None:
            lines.append(f"  {slug:<22} (no ground truth)")
        else:
            lines.append(
                f"  {slug:<22} AP {row['ap50_95']:.3f}  AP50 {row['ap50']:.3f}  AR {row['ar']:.3f}"
            )
    return "\n".join(lines)


def _threshold_table(operating: dict) -> str:
    lines = [f"operating thresholds (precision >= {operating['precision_target']} at IoU "
             f"{operating['iou']}, else best F1):"]  # fmt: skip
    for slug, entry in operating["per_category"].items():
        picked = entry["picked"]
        if picked["threshold"] is None:
            lines.append(f"  {slug:<22} none ({picked['rule']})")
            continue
        line = (
            f"  {slug:<22} {picked['threshold']:.4f}  P {picked['precision']:.3f}"
            f"  R {picked['recall']:.3f}  ({picked['rule']})"
        )
        if "at_stored" in entry:
            s = entry["at_stored"]
            line += f"; stored {s['threshold']:.4f}: P {s['precision']:.3f} R {s['recall']:.3f}"
        lines.append(line)
    return "\n".join(lines)
