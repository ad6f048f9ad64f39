"""`manage.py find_templates --category SLUG [--line-only] [--threshold R] [--json]`: pairs of a
category's elements likely painted from one pounced template (registration residual under the
threshold), stored in PostgreSQL, and the templates they form. `--json` prints {"pairs": [{"a",
"b", "residual", "scale"}], "templates": [{"id", "element_ids", "caves"}], ...} as the last
line. Bad input exits 2 with one line and writes nothing."""

from __future__ import annotations

import json

from django.core.management.base import CommandError
from tqdm import tqdm

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.library.filters import FilterError, category_by_slug
from dunhuang_search.library.stencils import StencilInputError, find_templates
from indexer.templates_match import THRESHOLD


class Command(DatabaseCommand):
    help = "Find elements of a category painted from one template (stencils)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--category", required=True, help="category slug")
        parser.add_argument("--line-only", action="store_true", help="ignore colour")
        parser.add_argument("--threshold", type=float, default=THRESHOLD, help="residual cut")
        parser.add_argument("--json", action="store_true", help="print JSON as the last line")

    def handle(self, *args, **options) -> None:
        if not 0 < options["threshold"] <= 2:
            raise CommandError("--threshold must be in (0, 2]", returncode=2)
        try:
            category = category_by_slug(options["category"])
        except FilterError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        bar = tqdm(desc="registering pairs", unit="pair", disable=options["verbosity"] < 1)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            result = find_templates(category, options["threshold"], options["line_only"], progress)
        except StencilInputError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        finally:
            bar.close()
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(
                f"{len(result['pairs'])} likely same-template pairs in "
                f"{len(result['templates'])} templates of {category.slug}"
            )
