"""`manage.py evaluate_review_loop [--murals N] [--size WxH] [--seed S] [--epochs E] [--json]`:
the detector before and after it learns from reviews (dunhuang_search/review/loop_eval.py).

Held-out synthetic murals are indexed with the active detector, every detection is reviewed
against the generator's truth (accepted, relabelled, redrawn or rejected, and misses drawn),
and `train_detector --from-active --compare` fine-tunes it on them; both detectors are scored
(full-mural mAP@[.5:.95]) on the same held-out reviewed murals. Nothing is left behind. The
default seed (1300) is used by no training (100, 300), calibration (700) or other benchmark
(900, 1100).
"""

from __future__ import annotations

import json

from django.core.management.base import CommandError
from tqdm import tqdm

from dunhuang_search.commands import DatabaseCommand, parse_size
from dunhuang_search.review.loop_eval import evaluate_review_loop
from dunhuang_search.training.labels import class_names
from dunhuang_search.training.management.commands.index import ProgressBars, detector_resolver
from indexer.training.datasets import DatasetError
from indexer.training.train import TrainingError


class Command(DatabaseCommand):
    help = "mAP of the active detector before and after fine-tuning on reviewed murals."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--murals", type=int, default=6, metavar="N")
        parser.add_argument("--size", default="4096x3072", help="WIDTHxHEIGHT of each mural")
        parser.add_argument("--seed", type=int, default=1300, help="never a training seed")
        parser.add_argument("--epochs", type=int, default=5)
        parser.add_argument("--batch", type=int, default=16)
        parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
        parser.add_argument("--optimizer", default="AdamW", help="ultralytics optimizer")
        parser.add_argument(
            "--lr0", type=float, default=0.0005, help="initial learning rate (fine-tuning)"
        )
        parser.add_argument(
            "--val-fraction", type=float, default=1 / 3, help="reviewed murals held out"
        )
        parser.add_argument("--runtime", choices=["auto", "torch", "openvino", "onnx"])
        parser.add_argument("--json", action="store_true", help="print one JSON object last")

    def handle(self, *args, **options) -> None:
        if options["murals"] < 2:
            raise CommandError(
                f"--murals must be at least 2 (one to train, one to hold out), not "
                f"{options['murals']}",
                returncode=2,
            )
        if options["epochs"] < 1:
            message = f"--epochs must be at least 1, not {options['epochs']}"
            raise CommandError(message, returncode=2)
        size = parse_size(options["size"], "--size", min_side=512)
        class_names()  # refuses an empty category table with one line

        resolve = detector_resolver(options["runtime"])
        keys = ("epochs", "batch", "device", "val_fraction", "optimizer", "lr0")
        train = {key: options[key] for key in keys}
        bars = ProgressBars()
        try:
            record = evaluate_review_loop(
                options["murals"], size, options["seed"], resolve, train,
                progress=lambda items, **kw: tqdm(items, disable=None, leave=False, **kw),
                index_progress=bars.for_mural,
            )  # fmt: skip
        except (TrainingError, DatasetError) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        finally:
            bars.close()
        if not options["json"]:
            self.stdout.write(_summary(record))
        self.stdout.write(json.dumps(record))


def _summary(record: dict) -> str:
    reviews = ", ".join(f"{count} {kind}" for kind, count in record["reviews"].items())
    before, after = record["before"], record["after"]
    return "\n".join(
        [
            f"{record['murals']} murals (seed {record['seed']}): {record['detections']} "
            f"detections, {record['truths']} true elements; reviews: {reviews}",
            f"held out {len(record['held_out'])} murals ({record['held_out_boxes']} boxes), "
            f"{record['epochs']} epochs in {record['train_seconds']} s",
            f"before {before['detector']}: mAP@[.5:.95] {before['map50_95']}",
            f"after  {after['detector']}: mAP@[.5:.95] {after['map50_95']}",
        ]
    )
