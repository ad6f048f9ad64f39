"""`manage.py propose --category SLUG [--k K] [--method probe|mean] [--no-refine] [--queue]
[--json]`: "find more" for a category from its marked examples.

`--json` prints {"category", "method", "results": [{"mural_id", "bbox", "score", "source",
"element_id", "refined"}]} (best first) as the last line; `--queue` also puts them into the
review queue. The best candidates are re-boxed to the examples' aspect (a few seconds on a CPU:
nine crops embedded per candidate) unless `--no-refine`.
Bad input exits 2 with one line.
"""

from __future__ import annotations

import json

from django.core.management.base import CommandError

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.review import categories, fewshot
from dunhuang_search.review.actions import ReviewError


class Command(DatabaseCommand):
    help = "Rank detector elements and dense windows like a category's examples, best first."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--category", required=True, help="the category's slug")
        parser.add_argument("--k", type=int, default=20, help="how many candidates (20)")
        parser.add_argument("--method", choices=fewshot.METHODS, help="default: probe")
        parser.add_argument(
            "--no-refine", action="store_true", help="keep the windows' boxes (faster)"
        )
        parser.add_argument("--queue", action="store_true", help="add them to the review queue")
        parser.add_argument("--json", action="store_true", help="print JSON as the last line")

    def handle(self, *args, **options) -> None:
        try:
            result = categories.propose(
                options["category"], options["k"], options["method"], not options["no_refine"]
            )
        except ReviewError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["queue"]:
            try:
                result["queued"] = categories.queue_proposals(result)
            except ReviewError as exc:
                raise CommandError(str(exc), returncode=2) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        for rank, row in enumerate(result["results"], 1):
            x, y, w, h = row["bbox"]
            self.stdout.write(
                f"{rank:3d}. mural {row['mural_id']} at {x},{y},{w},{h}  "
                f"score {row['score']:.3f}  ({row['source']})"
            )
        if "queued" in result:
            self.stdout.write(f"{len(result['queued'])} proposal(s) added to the review queue")
