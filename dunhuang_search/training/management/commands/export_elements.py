"""`manage.py export_elements --format voc|yolo|coco --out DIR [filters] [--images] [--json]`.

Writes accepted elements (manual, or accepted by a reviewer) for other tools; the folder
appears whole or not at all. Bad input exits 2 with one line.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from django.core.management.base import CommandError
from tqdm import tqdm

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.training.exports import FORMATS, ExportError, export_elements, select_elements


class Command(DatabaseCommand):
    help = "Export accepted elements as Pascal VOC XML, YOLO txt or COCO JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--format", choices=FORMATS, required=True)
        parser.add_argument("--out", required=True, metavar="DIR", help="a new or empty folder")
        parser.add_argument("--category", action="append", metavar="SLUG", help="repeatable")
        parser.add_argument("--mural", type=int, action="append", metavar="ID", help="repeatable")
        parser.add_argument("--period", metavar="SLUG")
        parser.add_argument("--site", metavar="SLUG")
        parser.add_argument("--cave", type=int)
        parser.add_argument(
            "--images", action="store_true", help="also write each mural's image (full size)"
        )
        parser.add_argument("--force", action="store_true", help="replace a non-empty --out")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options) -> None:
        def progress(items, **kwargs):
            return tqdm(items, disable=None, leave=False, **kwargs)

        try:
            elements = select_elements(
                categories=options["category"],
                murals=options["mural"],
                period=options["period"],
                site=options["site"],
                cave=options["cave"],
            )
            report = export_elements(
                options["format"],
                options["out"],
                elements,
                images=options["images"],
                force=options["force"],
                progress=progress,
            )
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
                f"{report.elements} elements on {report.murals} murals written to {report.out} "
                f"({report.format})"
            )
