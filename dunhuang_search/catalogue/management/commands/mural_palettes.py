"""`manage.py mural_palettes [--all] [--json]`: count the palettes of the walls that have none.

Ingest stores a mural's palette (indexer.dating.palette) as it builds the pyramid; this fills
it in for murals ingested before palettes existed (`--all`: every mural again). Each is read
from a small level of its pyramid, never the whole mural. A mural whose pyramid is missing or
unreadable is skipped and named; the others are saved one by one. Prints
{"updated", "skipped": [{"mural_id", "reason"}]} with --json.
"""

from __future__ import annotations

import json

from tqdm import tqdm

from dunhuang_search.catalogue.models import Mural, MuralPalette
from dunhuang_search.commands import DatabaseCommand
from indexer.dating.palette import pyramid_palette
from indexer.imagery import ImageryError


class Command(DatabaseCommand):
    help = "Store the colour palette of every mural that has none (--all: of every mural)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true", help="recount every mural")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options) -> None:
        murals = Mural.objects.order_by("pk")
        if not options["all"]:
            murals = murals.filter(palette__isnull=True)
        updated, skipped = 0, []
        for mural in tqdm(list(murals.only("pk", "pyramid")), desc="palettes", unit="mural"):
            try:
                palette = pyramid_palette(mural.pyramid_path)
            except ImageryError as error:
                skipped.append({"mural_id": mural.pk, "reason": str(error)})
                continue
            MuralPalette.store(mural.pk, palette)
            updated += 1
        if options["json"]:
            self.stdout.write(json.dumps({"updated": updated, "skipped": skipped}))
            return
        self.stdout.write(f"{updated} palettes stored, {len(skipped)} murals skipped")
        for row in skipped:
            self.stdout.write(f"  mural {row['mural_id']}: {row['reason']}")
