"""`manage.py add_mural PATH --site mogao --cave 220 --wall south --period early-tang`.

Prints the new mural id; bad input exits 2 with one line on stderr and writes nothing.
"""

from __future__ import annotations

import json

from django.core.management.base import CommandError
from tqdm import tqdm

from dunhuang_search.catalogue.ingest import IngestError, ingest_mural
from dunhuang_search.commands import DatabaseCommand


class Command(DatabaseCommand):
    help = "Add a mural image (JPEG, PNG, TIFF/BigTIFF) to the catalogue and build its pyramid."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path")
        parser.add_argument("--site", required=True, help="site slug, e.g. mogao, yulin")
        parser.add_argument("--cave", required=True, help="cave number, e.g. 220")
        parser.add_argument("--wall", required=True, help="wall or location, e.g. south")
        parser.add_argument(
            "--period", required=True, help="period slug, e.g. early-tang, or undated"
        )
        parser.add_argument("--title", default="")
        parser.add_argument("--dpi", type=int, default=None)
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options) -> None:
        bar = tqdm(total=100, desc="pyramid", unit="%", disable=None, leave=False)

        def progress(stage: str, percent: int) -> None:
            bar.update(max(0, percent - bar.n))

        try:
            mural = ingest_mural(
                options["path"],
                site=options["site"],
                cave=options["cave"],
                wall=options["wall"],
                period=options["period"],
                title=options["title"],
                dpi=options["dpi"],
                progress=progress,
            )
        except IngestError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        finally:
            bar.close()
        if options["json"]:
            record = {
                "id": mural.pk,
                "width": mural.width,
                "height": mural.height,
                "checksum": mural.checksum,
                "pyramid": str(mural.pyramid_path),
            }
            self.stdout.write(json.dumps(record))
        else:
            self.stdout.write(str(mural.pk))
