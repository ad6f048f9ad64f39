"""`manage.py import_voc DIR [--mural-metadata FILE] [--json]`.

VOC XML plus images become manual elements; bad input exits 2 with one line naming the file
and line, and nothing is written.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from django.core.management.base import CommandError
from tqdm import tqdm

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.training.voc_import import import_voc
from indexer.training.voc import VocError


class Command(DatabaseCommand):
    help = "Import Pascal VOC labels (one XML per image: crops or whole murals) as manual elements."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "directory", help="folder of XML and images (or Annotations/ + JPEGImages/)"
        )
        parser.add_argument(
            "--mural-metadata",
            default=None,
            metavar="FILE",
            help="JSON with cave, wall and period (site, title, dpi optional) for images not yet "
            'in the catalogue: a list of records with "file" (as make_demo_murals writes) or '
            '{file name: record}; "*" applies to any other file',
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options) -> None:
        def progress(items, **kwargs):
            return tqdm(items, disable=None, leave=False, **kwargs)

        try:
            report = import_voc(options["directory"], options["mural_metadata"], progress=progress)
        except VocError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["json"]:
            self.stdout.write(json.dumps(asdict(report)))
            return
        self.stdout.write(
            f"{report.elements} elements from {report.files} files; "
            f"{len(report.murals_created)} murals added, {len(report.murals_matched)} matched"
            + (f"; {report.duplicates} already present" if report.duplicates else "")
        )
