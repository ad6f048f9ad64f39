"""`manage.py evaluate_inpainting [--data DIR | --synthetic] [--crops N] [--methods a,b]
[--finetune-steps N] [--json]`: the paper's protocol (256 x 256 intact crops, dust and jelly
masks at light and heavy loss; PSNR, SSIM, HaarPSI, TV, ms per crop), on the held-out walls of
../shared/data/murals/mogao-220 where present, else on synthetic murals. The last line is JSON:
{"data", "crops", "results": {mask: {method: {"psnr", "ssim", "haarpsi", "tv", "ms"}}}, ...}.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from indexer.restoration import RestorationError
from indexer.restoration.cli import add_evaluate_arguments, cmd_evaluate


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser) -> None:
        add_evaluate_arguments(parser)

    def handle(self, *args, **options) -> None:
        from argparse import Namespace

        from indexer.restoration.evaluation import format_table

        try:
            result = cmd_evaluate(Namespace(**options), [])
        except RestorationError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["json"]:
            self.stderr.write(format_table(result))
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            self.stdout.write(format_table(result))
