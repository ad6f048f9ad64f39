"""`manage.py train_inpainter (--data DIR | --synthetic N) [--masks dust|jelly|mixed]
(--epochs N | --steps N) [--init MODEL] [--resume] [--activate] [--json]`: train or fine-tune
the pconv inpainter (indexer.restoration.training), checkpointed under the run folder and
resumable, and register it as an InpainterModel with its metrics and the data it saw."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

from django.core.management.base import CommandError

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.studio.registry import inpainter_dir, register_inpainter
from indexer.restoration import RestorationError
from indexer.restoration.cli import add_train_arguments, train_options


def command_line() -> str:
    args = sys.argv[1:] if Path(sys.argv[0]).name == "manage.py" else ["train_inpainter"]
    return "python manage.py " + " ".join(shlex.quote(a) for a in args if a != "--resume")


class Command(DatabaseCommand):
    help = __doc__

    def add_arguments(self, parser) -> None:
        add_train_arguments(parser)
        for action in parser._actions:  # defaults under var/inpainters/
            if action.dest in ("run_dir", "out"):
                action.required = False
        parser.add_argument(
            "--validation-crops",
            type=int,
            default=16,
            help="crops scored against Telea on the held-out images",
        )
        parser.add_argument(
            "--activate",
            action="store_true",
            help="make it the default model of pconv and search-guided",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object last")

    def handle(self, *args, **options) -> None:
        from argparse import Namespace

        from indexer.restoration.training import train

        name = options["name"]
        folder = inpainter_dir()
        options["run_dir"] = options["run_dir"] or str(folder / "runs" / name)
        options["out"] = options["out"] or str(folder / f"{name}.pt")
        try:
            if options["validation_crops"] < 1:
                raise RestorationError("--validation-crops must be at least 1")
            train_args = train_options(Namespace(**options), command_line())
            train_args.validation_crops = options["validation_crops"]
            Path(train_args.out).parent.mkdir(parents=True, exist_ok=True)
            card = train(
                train_args, resume=options["resume"], log=lambda line: self.stderr.write(line)
            )
            row = register_inpainter(card, train_args.out, activate=options["activate"])
        except RestorationError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        record = {
            "inpainter_id": row.pk,
            "name": row.name,
            "file": row.weights,
            "sha256": row.sha256,
            "steps": card["steps"],
            "active": row.is_active,
            "metrics": row.metrics,
        }
        if options["json"]:
            self.stdout.write(json.dumps(record))
        else:
            self.stdout.write(f"registered inpainter {row.name} ({row.weights})")
