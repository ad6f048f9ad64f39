"""`manage.py cluster_elements --category SLUG [--method faiss-kmeans|agglomerative|hdbscan]
[--k K] [--min-size N] [--json]`: the category's motif groups, stored in PostgreSQL (replacing
its earlier groups). `--json` prints {"category", "method", "groups": [{"id", "size",
"element_ids"}], "unassigned", "seconds"} as the last line. Bad input exits 2 with one line and
writes nothing."""

from __future__ import annotations

import json

from django.core.management.base import CommandError
from tqdm import tqdm

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.library.clustering import ClusterInputError, cluster_category
from dunhuang_search.library.filters import FilterError, category_by_slug
from dunhuang_search.library.jobs import finish, report
from indexer.motif_clusters import METHODS


class Command(DatabaseCommand):
    help = "Cluster a category's element vectors into motif groups, stored in the database."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--category", required=True, help="category slug")
        parser.add_argument("--method", default="faiss-kmeans", help=f"one of {', '.join(METHODS)}")
        parser.add_argument("--k", type=int, default=None, help="number of groups (k-means)")
        parser.add_argument("--min-size", type=int, default=2, help="smallest group kept")
        parser.add_argument("--job", type=int, default=None, help="a LibraryJob to report on")
        parser.add_argument("--json", action="store_true", help="print JSON as the last line")

    def handle(self, *args, **options) -> None:
        if options["method"] not in METHODS:
            raise CommandError(
                f"--method must be one of {', '.join(METHODS)}, not {options['method']!r}",
                returncode=2,
            )
        try:
            category = category_by_slug(options["category"])
        except FilterError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        bar = tqdm(total=3, desc=f"clustering {category.slug}", disable=options["verbosity"] < 1)

        job_progress = report(options["job"])

        def progress(done: int, total: int) -> None:
            bar.update(done - bar.n)
            job_progress(done, total)

        try:
            result = cluster_category(
                category, options["method"], options["k"], options["min_size"], progress
            )
        except ClusterInputError as exc:
            finish(options["job"], error=str(exc))
            raise CommandError(str(exc), returncode=2) from exc
        except Exception as exc:
            finish(options["job"], error=f"{type(exc).__name__}: {exc}")
            raise
        finally:
            bar.close()
        summary = {k: result[k] for k in ("category", "method", "seconds")}
        finish(
            options["job"],
            {**summary, "groups": len(result["groups"]), "unassigned": len(result["unassigned"])},
        )
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(
                f"{len(result['groups'])} groups of {category.slug} ({result['method']}), "
                f"{len(result['unassigned'])} unassigned, {result['seconds']} s"
            )
