"""`manage.py search`: query by example box, element, image, text or category, for scripting.

`--json` prints {"query": {...}, "results": [...]} (ARCHITECTURE.md) as the last line.
Bad input exits 2 with one line.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import CommandError

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.search.engine import run_search
from dunhuang_search.search.query import SearchInputError, parse_request
from dunhuang_search.search.serializers import contract_results

KIND_OPTIONS = ("example", "element", "image", "text", "category")


class Command(DatabaseCommand):
    help = (
        "Search elements by example (--example MURAL_ID:X,Y,W,H, --element ID, --image PATH), "
        "by --text, or by --category, with period, cave and site filters."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--example", help="MURAL_ID:X,Y,W,H, a box in mural pixels")
        parser.add_argument("--element", help="an element id: find elements like it")
        parser.add_argument("--image", help="an image file: a crop to find elements like")
        parser.add_argument("--text", help='words, e.g. "apsara high tang cave 220" or 飞天')
        parser.add_argument("--category", help="category slug(s), comma-separated")
        parser.add_argument("--period", help="period slug(s), comma-separated")
        parser.add_argument("--period-from", help="period slug: from this period on")
        parser.add_argument("--period-to", help="period slug: up to this period")
        parser.add_argument("--cave", help="cave number(s), comma-separated")
        parser.add_argument("--site", help="site slug")
        parser.add_argument("--review", help="review states (default unreviewed,accepted)")
        parser.add_argument("--sort", help="browse/text order: period, cave, score (- reverses)")
        parser.add_argument("--k", help="number of results (default 20)")
        parser.add_argument("--json", action="store_true", help="print JSON as the last line")

    def handle(self, *args, **options) -> None:
        given = [name for name in KIND_OPTIONS if options.get(name) is not None]
        if not given:
            raise CommandError(
                "give one of --example MURAL_ID:X,Y,W,H, --element ID, --image PATH, --text "
                "WORDS or --category SLUG",
                returncode=2,
            )
        if len([g for g in given if g != "category"]) > 1:
            raise CommandError(f"give only one of --{', --'.join(given)}", returncode=2)
        params = {
            "example": options["example"],
            "element": options["element"],
            "q": options["text"],
            "category": options["category"],
            "period": options["period"],
            "period_from": options["period_from"],
            "period_to": options["period_to"],
            "cave": options["cave"],
            "site": options["site"],
            "review": options["review"],
            "sort": options["sort"],
            "k": options["k"],
        }
        params = {key: value for key, value in params.items() if value is not None}
        files = {}
        if options["image"] is not None:
            path = Path(options["image"])
            if not path.is_file():
                raise CommandError(f"image: no such file {path}", returncode=2)
            files["image"] = SimpleUploadedFile(path.name, path.read_bytes())
        try:
            request = parse_request(params, files)
            request.page_size = request.k  # browse and text print k results too
            outcome = run_search(request)
        except SearchInputError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        results = contract_results(outcome.results)
        if options["json"]:
            self.stdout.write(
                json.dumps({"query": outcome.query_dict(), "results": results}, ensure_ascii=False)
            )
            return
        self.stdout.write(f"{len(results)} results ({outcome.request.kind}, {outcome.strategy})")
        for rank, row in enumerate(results, 1):
            score = "—" if row["score"] is None else f"{row['score']:.3f}"
            self.stdout.write(
                f"{rank:3d}. {score:>6}  element {row['element_id']}  mural {row['mural_id']} "
                f"cave {row['cave']}  {row['period']}  {row['category'] or row['source']}  "
                f"bbox {','.join(str(v) for v in row['bbox'])}"
            )
