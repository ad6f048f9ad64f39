"""What the two export commands share (export_elements, export_library): the format, folder and
image options, the progress bar, one-line refusals (exit 2) and the report line. Each command
says only how it picks its elements."""

from __future__ import annotations

import json
from dataclasses import asdict

from django.core.management.base import CommandError
from django.db.models import QuerySet
from tqdm import tqdm

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.training.exports import FORMATS, ExportError, export_elements


def _progress(items, **kwargs):
    return tqdm(items, disable=None, leave=False, **kwargs)


class ExportCommand(DatabaseCommand):
    """A command that writes chosen elements as COCO, VOC or YOLO into a new folder."""

    def add_arguments(self, parser) -> None:
        parser.add_argument("--format", choices=FORMATS, required=True)
        parser.add_argument("--out", required=True, metavar="DIR", help="a new or empty folder")
        self.add_selection_arguments(parser)
        parser.add_argument(
            "--images", action="store_true", help="also write each mural's image (full size)"
        )
        parser.add_argument("--force", action="store_true", help="replace a non-empty --out")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def add_selection_arguments(self, parser) -> None:
        raise NotImplementedError

    def select(self, options: dict) -> QuerySet:
        """The elements to write; raise ExportError (or CommandError) for bad input."""
        raise NotImplementedError

    def handle(self, *args, **options) -> None:
        try:
            report = export_elements(
                options["format"],
                options["out"],
                self.select(options),
                images=options["images"],
                force=options["force"],
                progress=_progress,
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
