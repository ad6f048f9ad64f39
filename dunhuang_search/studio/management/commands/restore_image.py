"""`manage.py restore_image --image IN --mask MASK --method M --out OUT [--model PATH]
[--candidates CROP ...] [--tile N] [--json]`: restore a plain image file, with no database row
(for scripting and evaluation). The output is written whole or not at all."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from indexer.restoration import RestorationError
from indexer.restoration.cli import add_restore_arguments, restore_file


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser) -> None:
        add_restore_arguments(parser)
        for action in parser._actions:  # an unknown method is refused in one line by restore
            if action.dest == "method":
                action.choices = None

    def handle(self, *args, **options) -> None:
        if options.get("threads"):
            import torch

            torch.set_num_threads(options["threads"])
        try:
            record = restore_file(
                options["image"],
                options["mask"],
                options["method"],
                options["out"],
                options["model"],
                options["candidates"],
                options["tile"],
            )
        except RestorationError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["json"]:
            self.stdout.write(json.dumps(record, ensure_ascii=False))
        else:
            self.stdout.write(
                f"wrote {record['out']} ({record['method']}, {record['seconds']:.2f} s)"
            )
