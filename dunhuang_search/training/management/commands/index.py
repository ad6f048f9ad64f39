"""`manage.py index (--mural ID ... | --all) [--engine local|ray] [--dense] [--json]`.

It lives in the training app because it joins two layers: the training registry says which
detector to use and at which tiling, and elements.indexing indexes with it.
Bad configuration exits 2 with one line before anything is written; failed murals exit 1.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import CommandError
from tqdm import tqdm

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.elements.index_jobs import fail_queued
from dunhuang_search.elements.indexing import IndexingError, index_murals
from dunhuang_search.elements.models import IndexJob
from dunhuang_search.inference import ModelLoadError, build_detector
from dunhuang_search.training.registry import active_detector
from indexer.pipeline import IndexConfig

UNITS = {"tiles": "tile", "crops": "crop", "windows": "window", "ocr": "text"}


def resolve_detector(runtime: str | None = None, device: str | None = None):
    """The active detector (a DetectorModel, else DETECTOR_WEIGHTS) as an indexer Detector, and
    the tiling it was trained at; ModelLoadError for weights that cannot be loaded.

    The detector keeps boxes down to DETECTOR_CONF, or lower where a class's operating
    threshold is lower, so nothing a threshold would show is lost (operating_thresholds()).
    """
    choice = active_detector()
    detector = build_detector(choice.weights, choice.tile_size, runtime, device)
    values = choice.threshold_values()
    if values:
        detector.conf = min(detector.conf, *values.values())
    config = IndexConfig(
        tile_size=choice.tile_size, scale=choice.scale, batch_size=settings.INDEX_BATCH_SIZE
    )
    return detector, config


def operating_thresholds() -> dict[str, float]:
    """{class: threshold} of the active detector (empty: every element is confident)."""
    return active_detector().threshold_values()


def detector_resolver(runtime: str | None = None):
    """For the benchmarks that index held-out murals: a function giving (detector, config,
    thresholds) as `index` uses them, loaded when called; weights that cannot be loaded are a
    CommandError (exit 2)."""

    def resolve():
        try:
            detector, config = resolve_detector(runtime)
        except ModelLoadError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        return detector, config, operating_thresholds()

    return resolve


def job_report(job: IndexJob) -> dict:
    return {
        "job": job.pk,
        "mural": job.mural_id,
        "state": job.state,
        "elements": job.elements_found,
        "tiles": job.tiles_total,
        "dense": job.dense,
        "windows": job.windows_total,
        "error": job.error,
        "engine": job.engine,
        "runtime": job.runtime,
        "device": job.device,
    }


class ProgressBars:
    """One tqdm bar per mural and stage, made on the stage's first report."""

    def __init__(self):
        self.bars: dict[tuple[int, str], tqdm] = {}

    def for_mural(self, mural: Mural):
        def report(stage: str, done: int, total: int) -> None:
            key = (mural.pk, stage)
            if key not in self.bars:
                self.bars[key] = tqdm(
                    total=total,
                    desc=f"mural {mural.pk} {stage}",
                    unit=UNITS[stage],
                    initial=done,
                    disable=None,
                )
            bar = self.bars[key]
            bar.total = total
            bar.update(done - bar.n)

        return report

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


class Command(DatabaseCommand):
    help = "Detect, merge and embed the elements of murals (tile by tile, resumable)."

    def add_arguments(self, parser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--mural", type=int, nargs="+", metavar="ID")
        which.add_argument("--all", action="store_true")
        parser.add_argument("--engine", choices=["local", "ray"], default="local")
        parser.add_argument("--ray-address", default=None, help="join this Ray cluster")
        parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default=None)
        parser.add_argument(
            "--runtime",
            choices=["auto", "torch", "openvino", "onnx"],
            default=None,
            help="default DUNHUANG_DETECTOR_RUNTIME (auto: openvino on cpu, torch on cuda)",
        )
        parser.add_argument(
            "--dense",
            action="store_true",
            help="also embed multi-scale windows (128, 256, 512 px, at most 20,000 per mural) "
            "as dense region vectors, for query by example of motifs no detector knows",
        )
        parser.add_argument("--json", action="store_true")

    def murals(self, options: dict) -> list[Mural]:
        if options["all"]:
            return list(Mural.objects.order_by("id"))
        ids = options["mural"]
        murals = list(Mural.objects.filter(pk__in=ids).order_by("id"))
        missing = sorted(set(ids) - {m.pk for m in murals})
        if missing:
            raise CommandError(f"no mural with id {', '.join(map(str, missing))}", returncode=2)
        return murals

    def handle(self, *args, **options) -> None:
        murals = self.murals(options)
        try:
            detector, config = resolve_detector(options["runtime"], options["device"])
        except ModelLoadError as exc:
            fail_queued(murals, str(exc))
            raise CommandError(str(exc), returncode=2) from exc
        bars = ProgressBars()
        try:
            jobs = index_murals(
                murals,
                detector,
                config,
                engine=options["engine"],
                device=options["device"],
                ray_address=options["ray_address"],
                progress=bars.for_mural,
                dense=options["dense"],
                thresholds=operating_thresholds(),
            )
        except IndexingError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        finally:
            bars.close()
        self.report(jobs, options["json"])

    def report(self, jobs: list[IndexJob], as_json: bool) -> None:
        failed = [job for job in jobs if job.state == IndexJob.State.FAILED]
        for job in jobs:
            if job.state == IndexJob.State.FAILED:
                self.stderr.write(f"mural {job.mural_id} failed: {job.error}")
            elif not as_json:
                self.stdout.write(f"mural {job.mural_id}: {job.elements_found} elements")
        if as_json:
            self.stdout.write(
                json.dumps({"jobs": [job_report(job) for job in jobs], "failed": len(failed)})
            )
        if failed:
            raise CommandError(f"{len(failed)} of {len(jobs)} murals failed", returncode=1)
