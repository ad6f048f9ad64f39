"""`manage.py stylize --image IN --style-set SLUG --method M --out OUT [--json]`.

Casts an image file into a style set and writes OUT (JPEG, PNG or TIFF, atomically); prints
{"method", "style_set", "model", "seconds"}. With --derivative the result is also stored as a
style derivative with its provenance. Bad input exits 2 with one line; nothing is written.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pyvips
from django.core.management.base import CommandError

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.styles.members import style_source
from dunhuang_search.styles.models import StyleSet
from dunhuang_search.styles.transfer import Content, check_method, stylize_to_derivative
from indexer.files import atomic_write
from indexer.style import METHODS, StyleError, stylize

OUT_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}


class Command(DatabaseCommand):
    help = "Stylize an image with a style set (color, arbitrary, neural-stats or unpaired)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--image", required=True)
        parser.add_argument("--style-set", required=True)
        parser.add_argument("--method", required=True, help=", ".join(sorted(METHODS)))
        parser.add_argument("--out", required=True)
        parser.add_argument("--strength", type=float, default=1.0)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--derivative", action="store_true", help="also store it as a derivative (kind=style)"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options) -> None:
        out = Path(options["out"])
        if out.suffix.lower() not in OUT_SUFFIXES:
            raise CommandError(
                f"--out must end in .jpg, .png or .tif, not {out.name}", returncode=2
            )
        style_set = StyleSet.objects.filter(slug=options["style_set"]).first()
        if style_set is None:
            raise CommandError(f"unknown style set {options['style_set']!r}", returncode=2)
        started = time.perf_counter()
        try:
            check_method(options["method"])
            content = Content.upload(Path(options["image"]))
            params = {"strength": options["strength"]}
            if options["derivative"]:
                d = stylize_to_derivative(
                    style_set, content, options["method"], seed=options["seed"], **params
                )
                from dunhuang_search.studio.derivatives import image_path

                image = pyvips.Image.new_from_file(str(image_path(d))).numpy()
                model = d.model_name or None
            else:
                result = stylize(
                    content.pixels, style_source(style_set), options["method"], **params
                )
                image, model = result.image, (result.model or {}).get("name")
        except StyleError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        with atomic_write(out) as staged:
            pyvips.Image.new_from_array(image, interpretation="srgb").write_to_file(str(staged))
        record = {
            "method": options["method"],
            "style_set": style_set.slug,
            "model": model,
            "seconds": round(time.perf_counter() - started, 3),
        }
        self.stdout.write(json.dumps(record) if options["json"] else str(out))
