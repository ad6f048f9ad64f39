"""`manage.py export_library --category SLUG --format coco|voc|yolo --out DIR [--period ...]
[--site ...] [--cave ...] [--wall ...] [--source ...] [--review ...] [--detector ...]
[--score-min S] [--score-max S] [--ids 1,2,3] [--images] [--force] [--json]`: a library view
(the gallery's filters, the same LibraryFilter) written by training's export_elements; the
folder appears whole or not at all. Bad input exits 2 with one line."""

from __future__ import annotations

import json
from dataclasses import asdict

from django.core.management.base import CommandError
from tqdm import tqdm

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.library.filters import MULTI, FilterError, LibraryFilter
from dunhuang_search.training.exports import FORMATS, ExportError, export_elements


class Command(DatabaseCommand):
    help = "Export a library view (category and gallery filters) as COCO, VOC or YOLO."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--category", required=True)
        parser.add_argument("--format", choices=FORMATS, required=True)
        parser.add_argument("--out", required=True, metavar="DIR")
        for name in MULTI:
            parser.add_argument(f"--{name}", help=f"{name} value(s), comma-separated")
        parser.add_argument("--score-min", dest="score_min")
        parser.add_argument("--score-max", dest="score_max")
        parser.add_argument("--ids", help="element ids, comma-separated")
        parser.add_argument("--images", action="store_true")
        parser.add_argument("--force", action="store_true")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        params = {
            k: options[k]
            for k in (*MULTI, "score_min", "score_max", "ids")
            if options.get(k) not in (None, "")
        }
        try:
            flt = LibraryFilter.parse(options["category"], params)
            report = export_elements(
                options["format"],
                options["out"],
                flt.queryset(),
                images=options["images"],
                force=options["force"],
                progress=lambda items, **kw: tqdm(items, disable=None, leave=False, **kw),
            )
        except FilterError as exc:
            raise CommandError(
                f"--{exc.param.replace('_', '-')}: {exc.message}", returncode=2
            ) from exc
        except ExportError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        except OSError as exc:
            raise CommandError(
                f"cannot write {options['out']}: {exc.strerror}", returncode=2
            ) from exc
        if options["json"]:
            self.stdout.write(json.dumps(asdict(report)))
        else:
            self.stdout.write(
                f"{report.elements} elements written to {report.out} ({report.format})"
            )
