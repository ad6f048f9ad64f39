"""`manage.py index (--mural ID ... | --all) [--engine local|ray] [--dense] [--json]`.

Bad configuration exits 2 with one line before anything is written; failed murals exit 1.
"""

from __future__ import annotations

import json

from django.core.management.base import CommandError
from tqdm import tqdm

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.elements.indexing import IndexingError, index_murals
from dunhuang_search.elements.models import IndexJob


class Command(DatabaseCommand):
    help = "Detect, merge and embed the elements of murals (tile by tile, resumable)."

    def add_arguments(self, parser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--mural", type=int, nargs="+", metavar="ID")
        which.add_argument("--all", action="store_true")
        parser.add_argument("--engine", choices=["local", "ray"], default="local")
        parser.add_argument("--ray-address", default=None, help="join this Ray cluster")
        parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default=None)
        parser.add_argument("--runtime", choices=["torch", "openvino", "onnx"], default=None)
        parser.add_argument(
            "--dense",
            action="store_true",
            help="also embed multi-scale windows (128, 256, 512 px, at most 20,000 per mural) "
            "as dense region vectors, for query by example of motifs no detector knows",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        if options["all"]:
            murals = list(Mural.objects.order_by("id"))
        else:
            ids = options["mural"]
            murals = list(Mural.objects.filter(pk__in=ids).order_by("id"))
            missing = sorted(set(ids) - {m.pk for m in murals})
            if missing:
                raise CommandError(f"no mural with id {', '.join(map(str, missing))}", returncode=2)
        bars: dict[tuple[int, str], tqdm] = {}

        def progress_for(mural: Mural):
            def report(stage: str, done: int, total: int) -> None:
                key = (mural.pk, stage)
                if key not in bars:
                    units = {"tiles": "tile", "crops": "crop", "windows": "window", "ocr": "text"}
                    unit = units[stage]
                    bars[key] = tqdm(
                        total=total,
                        desc=f"mural {mural.pk} {stage}",
                        unit=unit,
                        initial=done,
                        disable=None,
                    )
                bar = bars[key]
                bar.total = total
                bar.update(done - bar.n)

            return report

        try:
            jobs = index_murals(
                murals,
                engine=options["engine"],
                runtime=options["runtime"],
                device=options["device"],
                ray_address=options["ray_address"],
                progress=progress_for,
                dense=options["dense"],
            )
        except IndexingError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        finally:
            for bar in bars.values():
                bar.close()
        failed = [job for job in jobs if job.state == IndexJob.State.FAILED]
        for job in jobs:
            if job.state == IndexJob.State.FAILED:
                self.stderr.write(f"mural {job.mural_id} failed: {job.error}")
            elif not options["json"]:
                self.stdout.write(f"mural {job.mural_id}: {job.elements_found} elements")
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "jobs": [
                            {
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
                            for job in jobs
                        ],
                        "failed": len(failed),
                    }
                )
            )
        if failed:
            raise CommandError(f"{len(failed)} of {len(jobs)} murals failed", returncode=1)
