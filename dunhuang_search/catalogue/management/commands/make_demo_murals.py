"""`manage.py make_demo_murals OUTDIR --count N --size WxH --seed S [--tiff] [--json]`.

Writes procedural murals with exact Pascal VOC labels and metadata.json; bad input exits 2.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from functools import partial
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from dunhuang_search.commands import parse_size
from indexer.synthetic import CATEGORIES, make_demo_murals, read_voc
from indexer.synthetic.write import JPEG_MAX_SIDE

MIN_SIDE = 256
MAX_SIDE = 1_000_000
MAX_COUNT = 100_000


def _one_line_error(parser: CommandParser, message: str) -> None:
    """argparse errors as one line on stderr and exit status 2 (not usage plus message)."""
    if getattr(parser, "called_from_command_line", False):
        sys.stderr.write(f"CommandError: {message}\n")
        sys.exit(2)
    raise CommandError(f"Error: {message}", returncode=2)


class Command(BaseCommand):
    help = "Write procedural Dunhuang-style murals with exact Pascal VOC labels and metadata.json."
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.error = partial(_one_line_error, parser)
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("outdir", help="folder for the images, VOC XML and metadata.json")
        parser.add_argument("--count", type=int, default=4, help="number of murals (default 4)")
        parser.add_argument("--size", default="4096x3072", help="WIDTHxHEIGHT (default 4096x3072)")
        parser.add_argument("--seed", type=int, default=0, help="seed; same seed, same murals")
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="figure scale: 1 gives figures of about 40-500 px",
        )
        parser.add_argument(
            "--tiff",
            action="store_true",
            help="write tiled BigTIFF (streamed, for gigapixel murals)",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object last")

    def handle(self, *args, **options) -> None:
        width, height = parse_size(options["size"], min_side=MIN_SIDE, max_side=MAX_SIDE)
        count, seed, scale = options["count"], options["seed"], options["scale"]
        if count < 1 or count > MAX_COUNT:
            raise CommandError(
                f"--count must be between 1 and {MAX_COUNT}, not {count}", returncode=2
            )
        if seed < 0:
            raise CommandError(f"--seed must be zero or positive, not {seed}", returncode=2)
        if not 0.05 <= scale <= 20:
            raise CommandError(f"--scale must be between 0.05 and 20, not {scale}", returncode=2)
        if not options["tiff"] and max(width, height) > JPEG_MAX_SIDE:
            raise CommandError(
                f"JPEG allows at most {JPEG_MAX_SIDE} px a side; use --tiff", returncode=2
            )
        outdir = Path(options["outdir"]).expanduser()
        if outdir.exists() and not outdir.is_dir():
            raise CommandError(f"OUTDIR {outdir} exists and is not a folder", returncode=2)
        try:
            outdir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(
                f"cannot create OUTDIR {outdir}: {exc.strerror}", returncode=2
            ) from exc
        quiet = options["verbosity"] == 0
        progress = partial(tqdm, file=sys.stderr, disable=True if quiet else None)
        records = make_demo_murals(
            outdir, count, width, height, seed, tiff=options["tiff"], progress=progress, scale=scale
        )
        per_category = Counter({c: 0 for c in CATEGORIES})
        for record in records:
            per_category.update(i.category for i in read_voc(outdir / record["annotation"]))
        total = sum(per_category.values())
        outdir = outdir.resolve()
        if not quiet:
            self.stdout.write(f"wrote {count} murals ({total} labelled instances) to {outdir}")
        else:
            self.stdout.write(str(outdir))
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "outdir": str(outdir),
                        "images": [str(outdir / r["file"]) for r in records],
                        "instances": total,
                        "per_category": dict(per_category),
                    }
                )
            )
