"""`manage.py style_descriptors (--mural ID ... | --all) [--elements] [--json]`: compute the
style descriptors (magenta and adain) of murals, and of their elements with --elements."""

from __future__ import annotations

import json

from django.core.management.base import CommandError
from tqdm import tqdm

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.styles.descriptors import describe_murals


class Command(DatabaseCommand):
    help = "Compute the style descriptors of murals (for the /styles/ map)."

    def add_arguments(self, parser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--mural", type=int, nargs="+")
        which.add_argument("--all", action="store_true")
        parser.add_argument("--elements", action="store_true")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options) -> None:
        murals = Mural.objects.order_by("pk")
        if options["mural"]:
            murals = murals.filter(pk__in=options["mural"])
            missing = set(options["mural"]) - set(murals.values_list("pk", flat=True))
            if missing:
                raise CommandError(
                    f"no mural with id {', '.join(map(str, sorted(missing)))}", returncode=2
                )
        murals = list(murals)
        with tqdm(total=len(murals), desc="style_descriptors", disable=None) as bar:
            rows = describe_murals(
                murals, elements=options["elements"], progress=lambda: bar.update(1)
            )
        record = {"murals": len(murals), "descriptors": rows}
        self.stdout.write(json.dumps(record) if options["json"] else str(rows))
