"""`manage.py evaluate_dating [--authority NAME] [--synthetic N --caves C --size WxH --seed S]
[--k K] [--save-weights] [--json]`: leave-one-cave-out over the dated murals.

Reports top-1 / top-3 period accuracy, the mean absolute error in years (interval midpoints),
the 80% interval's coverage of the true period, and the abstention rate, for the assistant and
for two baselines (majority period, colour-histogram nearest murals); `--json` prints them as
the last line. Without `--synthetic` it evaluates the catalogue's dated murals (the Academy's,
once ingested and indexed); `--save-weights` then keeps the category weights learned on all of
them beside the vector index, where the assistant reads them. With `--synthetic N` it builds N
synthetic murals in a transaction that is rolled back (index in a temporary folder): nothing is
left behind, and no weights are saved from them.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from django.core.management.base import CommandError
from django.db import transaction
from django.test.utils import override_settings
from tqdm import tqdm

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.commands import DatabaseCommand, parse_size
from dunhuang_search.dating.assistant import Context, K, weights_path
from dunhuang_search.dating.authority import DatingError
from dunhuang_search.dating.evaluation import (
    catalogue_histograms,
    evaluate,
    gather_cases,
    synthetic_set,
)
from dunhuang_search.elements.vector_index import rebuild_index
from dunhuang_search.search.engine import active_embedder
from indexer import vectors
from indexer.files import atomic_write


class _RollBack(Exception):
    pass


class Command(DatabaseCommand):
    help = "Leave-one-cave-out evaluation of the dating assistant against two baselines."

    def add_arguments(self, parser):
        parser.add_argument("--authority", default=None)
        parser.add_argument("--synthetic", type=int, default=0, metavar="N")
        parser.add_argument("--caves", type=int, default=8, help="caves of the synthetic set")
        parser.add_argument("--size", default="768x576", help="synthetic mural WIDTHxHEIGHT")
        parser.add_argument(
            "--seed", type=int, default=5000, help="first synthetic seed (1700-1747 tuned it)"
        )
        parser.add_argument("--k", type=int, default=K)
        parser.add_argument("--save-weights", action="store_true")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        started = time.perf_counter()
        if options["k"] < 1:
            raise CommandError("--k must be at least 1", returncode=2)
        if options["synthetic"]:
            if options["save_weights"]:
                raise CommandError(
                    "--save-weights takes the catalogue, not --synthetic", returncode=2
                )
            report = self._synthetic(options)
        else:
            report = self._catalogue(options)
        report["seconds"] = round(time.perf_counter() - started, 1)
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        for name in ("assistant", "majority", "colour_histogram_nn"):
            row = report[name]
            self.stdout.write(
                f"{name:20s} top1 {row['top1']}  top3 {row['top3']}  MAE {row['mae_years']} y  "
                f"coverage {row['coverage_80']}  abstained {row['abstention_rate']}"
            )

    def _run(self, options, murals, histograms, pool=None) -> dict:
        try:
            ctx = Context.build(options["authority"], pool=pool)
        except DatingError as error:
            raise CommandError(str(error), returncode=2) from error
        if ctx.index is None:
            raise CommandError(ctx.problem, returncode=2)
        cases = gather_cases(ctx, murals, histograms, options["k"], tqdm)
        if len({c.cave_id for c in cases}) < 2:
            raise CommandError(
                "leave-one-cave-out needs dated murals in at least 2 caves "
                f"({len(cases)} dated murals found)",
                returncode=2,
            )
        report = evaluate(cases, ctx.periods)
        report["authority"] = ctx.authority
        return report

    def _catalogue(self, options) -> dict:
        murals = list(Mural.objects.select_related("cave").order_by("pk"))
        report = {"set": "catalogue", **self._run(options, murals, catalogue_histograms(murals))}
        if options["save_weights"]:
            document = {
                "weights": report["category_weights"],
                "how": "evaluate_dating: leave-one-cave-out hit rate of each category's own "
                "votes over the catalogue's dated murals",
                "authority": report["authority"],
                "murals": report["murals"],
                "caves": report["caves"],
            }
            weights_path().parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(weights_path()) as temporary:
                temporary.write_text(json.dumps(document, indent=1), encoding="utf-8")
            report["weights_saved"] = str(weights_path())
        return report

    def _synthetic(self, options) -> dict:
        width, height = parse_size(options["size"], min_side=64, max_side=4096)
        count, caves = options["synthetic"], options["caves"]
        if count < 2 or not 2 <= caves <= count:
            raise CommandError("--synthetic needs N >= 2 and 2 <= --caves <= N", returncode=2)
        report = {}
        with tempfile.TemporaryDirectory(prefix="evaluate-dating-") as folder:
            index_path = Path(folder) / "vectors" / "elements.faiss"
            try:
                with override_settings(VECTOR_INDEX_PATH=index_path), transaction.atomic():
                    murals, histograms = synthetic_set(
                        count, (width, height), options["seed"], caves, tqdm
                    )
                    embedder = active_embedder()
                    rebuild_index(embedder.id, embedder.dim)
                    pool = {m.pk for m in murals}
                    report.update(self._run(options, murals, histograms, pool))
                    raise _RollBack
            except _RollBack:
                pass
            except vectors.IndexMismatch as error:
                raise CommandError(str(error), returncode=2) from error
        return {
            "set": "synthetic",
            "size": f"{width}x{height}",
            "first_seed": options["seed"],
            "embedder": embedder.id,
            **report,
        }
