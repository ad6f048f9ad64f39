"""`manage.py export_library --category SLUG --format coco|voc|yolo --out DIR [--period ...]
[--site ...] [--cave ...] [--wall ...] [--source ...] [--review ...] [--detector ...]
[--score-min S] [--score-max S] [--ids 1,2,3] [--images] [--force] [--json]`: a library view
(the gallery's filters, the same LibraryFilter) written by training's export_elements; the
folder appears whole or not at all. Bad input exits 2 with one line."""

from __future__ import annotations

from django.core.management.base import CommandError

from dunhuang_search.library.filters import MULTI, FilterError, LibraryFilter
from dunhuang_search.training.export_command import ExportCommand


class Command(ExportCommand):
    help = "Export a library view (category and gallery filters) as COCO, VOC or YOLO."

    def add_selection_arguments(self, parser) -> None:
        parser.add_argument("--category", required=True)
        for name in MULTI:
            parser.add_argument(f"--{name}", help=f"{name} value(s), comma-separated")
        parser.add_argument("--score-min", dest="score_min")
        parser.add_argument("--score-max", dest="score_max")
        parser.add_argument("--ids", help="element ids, comma-separated")

    def select(self, options: dict):
        params = {
            k: options[k]
            for k in (*MULTI, "score_min", "score_max", "ids")
            if options.get(k) not in (None, "")
        }
        try:
            return LibraryFilter.parse(options["category"], params).queryset()
        except FilterError as exc:
            raise CommandError(
                f"--{exc.param.replace('_', '-')}: {exc.message}", returncode=2
            ) from exc
