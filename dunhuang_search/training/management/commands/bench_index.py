"""`manage.py bench_index [--json] [--gigapixel] [--weights P] [--runtime R] [--tile N] ...`.

Times our indexer against SAHI on a synthetic mural with known ground truth; bad input exits 2.
By default it runs the detector `index` runs (the active DetectorModel, else DETECTOR_WEIGHTS
with its card) at the geometry it was trained at (tile size and detector scale), both sides of
the comparison alike, on the default runtime (auto: OpenVINO on the CPU). It lives in the
training app, as `index` does, because it asks the training registry for that detector.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import CommandError

from dunhuang_search.commands import DatabaseCommand, parse_size
from dunhuang_search.inference import detector_batch_size
from dunhuang_search.training.registry import active_detector, weights_card
from indexer.benchmark import BenchmarkError, BenchOptions, run_benchmark


class Command(DatabaseCommand):
    help = (
        "Benchmark the indexer against SAHI on a synthetic mural with known elements: "
        "time, recall and precision at IoU 0.5, peak memory."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="last line: one JSON object")
        parser.add_argument(
            "--gigapixel",
            action="store_true",
            help="a 40,000 x 25,000 BigTIFF; our detection only (SAHI would decode it whole)",
        )
        parser.add_argument(
            "--weights", default=None, help="default: the detector index uses (its card)"
        )
        parser.add_argument(
            "--runtime",
            choices=["auto", "torch", "openvino", "onnx"],
            default=None,
            help="default: DUNHUANG_DETECTOR_RUNTIME (auto: openvino on the cpu)",
        )
        parser.add_argument("--tile", type=int, default=None, help="default: the detector's")
        parser.add_argument(
            "--detector-scale",
            type=float,
            default=None,
            help="detector pixels per mural pixel (default: the detector's)",
        )
        parser.add_argument("--size", default=None, help="mural side N, or WxH (default 8192)")
        parser.add_argument(
            "--scale", type=float, default=1.0, help="generator scale of the elements"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--conf", type=float, default=None, help="default: DETECTOR_CONF")
        parser.add_argument(
            "--batch", type=int, default=None, help="tiles per model call (default: as index)"
        )
        parser.add_argument("--no-sahi", action="store_true", help="time our indexer only")
        parser.add_argument(
            "--detect-only", action="store_true", help="skip our crop embedding (end to end)"
        )
        experiments = parser.add_argument_group("experiments (our side only)")
        experiments.add_argument(
            "--openvino-precision",
            choices=["f32", "bf16", "f16"],
            default=None,
            help="compile OpenVINO in this precision (the indexer pins f32)",
        )
        experiments.add_argument(
            "--torch-threads", type=int, default=None, help="torch threads (ultralytics: cpus - 1)"
        )

    def handle(self, *args, **options) -> None:
        from indexer.detection import DetectorError, resolve_runtime

        choice = active_detector()
        if options["weights"]:  # another checkpoint: its own card, else the settings
            card = weights_card(options["weights"])
            weights = options["weights"]
            tile = int(card.get("tile_size", settings.INDEX_TILE_SIZE))
            scale = float(card.get("scale", settings.INDEX_SCALE))
        else:
            weights, tile, scale = choice.weights, choice.tile_size, choice.scale
        try:
            runtime = resolve_runtime(options["runtime"] or settings.DETECTOR_RUNTIME, "cpu")
        except DetectorError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        common = {
            "weights": weights,
            "runtime": runtime,
            "tile": options["tile"] or tile,
            "detector_scale": options["detector_scale"] or scale,
            "seed": options["seed"],
            "scale": options["scale"],
            "conf": settings.DETECTOR_CONF if options["conf"] is None else options["conf"],
            "detector_batch": options["batch"] or detector_batch_size("cpu"),
            "index_batch": settings.INDEX_BATCH_SIZE,
            "max_det": settings.DETECTOR_MAX_DET,
            "export_dir": str(settings.DETECTOR_EXPORT_DIR),
            "embedder": settings.EMBEDDER,
            "progress": options["verbosity"] >= 1,
            "openvino_precision": options["openvino_precision"],
            "torch_threads": options["torch_threads"],
        }
        if options["gigapixel"]:
            if options["size"]:
                raise CommandError("--gigapixel and --size do not go together", returncode=2)
            bench = BenchOptions.gigapixel(**common)
        else:
            width, height = parse_size(options["size"] or "8192", square=True)
            bench = BenchOptions(
                width=width,
                height=height,
                sahi=not options["no_sahi"],
                end_to_end=not options["detect_only"],
                **common,
            )
        try:
            report = run_benchmark(bench)
        except BenchmarkError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["json"]:
            self.stdout.write(json.dumps(report))
            return
        self.stdout.write(
            f"{report['tiles']} tiles of {report['tile']} px on a "
            f"{report['mural']['width']}x{report['mural']['height']} mural, "
            f"{report['runtime']} on {report['device']}"
        )
        self.stdout.write(
            f"ours: {report['our_seconds']} s detect+merge ({report['our_tiles_per_s']} tiles/s)"
            f", end to end {report['our_end_to_end_seconds']} s; recall50 "
            f"{report['our_recall50']}, precision50 {report['our_precision50']}; "
            f"peak RSS {report['peak_rss_mb']} MB"
        )
        if report["sahi_seconds"] is None:
            self.stdout.write(f"SAHI: {report['sahi']}")
        else:
            self.stdout.write(
                f"SAHI: {report['sahi_seconds']} s; recall50 {report['sahi_recall50']}, "
                f"precision50 {report['sahi_precision50']}; peak RSS "
                f"{report['sahi_peak_rss_mb']} MB; speedup {report['speedup_vs_sahi']}x"
            )
