"""`manage.py export_elements --format voc|yolo|coco --out DIR [filters] [--images] [--json]`.

Writes accepted elements (manual, or accepted by a reviewer) for other tools; the folder
appears whole or not at all. Bad input exits 2 with one line.
"""

from __future__ import annotations

from dunhuang_search.training.export_command import ExportCommand
from dunhuang_search.training.exports import select_elements


class Command(ExportCommand):
    help = "Export accepted elements as Pascal VOC XML, YOLO txt or COCO JSON."

    def add_selection_arguments(self, parser) -> None:
        parser.add_argument("--category", action="append", metavar="SLUG", help="repeatable")
        parser.add_argument("--mural", type=int, action="append", metavar="ID", help="repeatable")
        parser.add_argument("--period", metavar="SLUG")
        parser.add_argument("--site", metavar="SLUG")
        parser.add_argument("--cave", type=int)

    def select(self, options: dict):
        return select_elements(
            categories=options["category"],
            murals=options["mural"],
            period=options["period"],
            site=options["site"],
            cave=options["cave"],
        )
