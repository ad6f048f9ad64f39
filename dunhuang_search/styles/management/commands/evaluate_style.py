"""`manage.py evaluate_style [--style-set SLUG] [--photos DIR] [--json]`: the style benchmark.

Without --style-set the 100 shanshui paintings of ../shared/data/paintings are the style set;
without --photos, scikit-image's bundled photographs are the content. Synthetic murals of the
procedural generator (all periods) are the "other murals" class and the material of the style
map. Prints a progress bar, then (last line) {"style_set", "photos", "results": {method:
{"deception_rate", "edge_ssim", "ms", ...}}, "style_map": {"knn_accuracy", "majority_baseline",
...}}. This is a benchmark, not a test: it takes minutes.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from tqdm import tqdm

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.styles.management.commands.create_style_set import IMAGE_SUFFIXES
from dunhuang_search.styles.members import read_image, style_source
from dunhuang_search.styles.models import StyleSet
from indexer.style import METHODS, StyleError, StyleSource, stylize
from indexer.style.evaluation import (
    deception,
    knn_leave_one_cave_out,
    sample_photos,
    synthetic_murals,
)

PAINTINGS = Path(settings.BASE_DIR).parent / "shared" / "data" / "paintings" / "landscape"


def _folder(path: Path, what: str, limit: int | None = None) -> list:
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)[:limit]
    if not files:
        raise CommandError(f"{what} {path} holds no JPEG, PNG or TIFF file", returncode=2)
    return [read_image(p, 512) for p in files]


def style_map(murals: list[dict]) -> dict:
    from indexer.style.features import adain_descriptor
    from indexer.style.magenta import style_vector

    periods, caves = [m["period"] for m in murals], [m["cave"] for m in murals]
    by = {
        "magenta": knn_leave_one_cave_out(
            [style_vector(m["image"]) for m in murals], periods, caves
        ),
        "adain": knn_leave_one_cave_out(
            [adain_descriptor(m["image"]) for m in murals], periods, caves
        ),
    }
    best = max(by, key=lambda k: by[k]["knn_accuracy"])
    return {
        "knn_accuracy": by[best]["knn_accuracy"],
        "majority_baseline": by[best]["majority_baseline"],
        "descriptor": best,
        "by_descriptor": by,
        "material": "synthetic murals",
    }


class Command(DatabaseCommand):
    help = "Score the style methods by deception rate, edge SSIM and time; score the style map."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--style-set", default="")
        parser.add_argument("--photos", default="")
        parser.add_argument("--methods", default=",".join(sorted(METHODS)))
        parser.add_argument("--limit", type=int, default=None, help="at most N photos")
        parser.add_argument("--murals", type=int, default=60, help="synthetic murals")
        parser.add_argument("--neural-steps", type=int, default=30)
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def _style(self, slug: str) -> tuple[StyleSource, str]:
        if slug:
            style_set = StyleSet.objects.filter(slug=slug).first()
            if style_set is None:
                raise CommandError(f"unknown style set {slug!r}", returncode=2)
            return style_source(style_set), slug
        if not PAINTINGS.is_dir():
            raise CommandError(f"no --style-set and no {PAINTINGS}: name a style set", returncode=2)
        return StyleSource(_folder(PAINTINGS, "the paintings folder")), "shanshui (shared)"

    def _methods(self, text: str, source: StyleSource, steps: int) -> tuple[dict, dict]:
        chosen, skipped = {}, {}
        for name in [m.strip() for m in text.split(",") if m.strip()]:
            if name not in METHODS:
                raise CommandError(
                    f"unknown method {name!r}: use {', '.join(sorted(METHODS))}", returncode=2
                )
            if name == "unpaired" and source.unpaired_model is None:
                skipped[name] = {"skipped": "no unpaired model for this set: run train_style first"}
                continue
            params = {"steps": steps} if name == "neural-stats" else {}
            chosen[name] = lambda im, n=name, p=params: stylize(im, source, n, **p).image
        return chosen, skipped

    def handle(self, *args, **options) -> None:
        from indexer.embedding import EfficientNetLite0Embedder

        try:
            source, style_name = self._style(options["style_set"])
            if options["photos"]:
                photos = _folder(Path(options["photos"]), "--photos", options["limit"])
                photo_name = options["photos"]
            else:
                photos, names = sample_photos()
                photos = photos[: options["limit"]]
                photo_name = "skimage.data: " + ", ".join(names[: len(photos)])
            methods, skipped = self._methods(options["methods"], source, options["neural_steps"])
            murals = synthetic_murals(options["murals"])
            embedder = EfficientNetLite0Embedder(device="cpu")
            scored: dict = {"results": {}, "classifier_cv_accuracy": None}
            bar = tqdm(total=len(photos) * len(methods), desc="evaluate_style", disable=None)
            with bar:
                if methods:
                    scored = deception(
                        embedder.embed_images,
                        source.images,
                        photos,
                        [m["image"] for m in murals],
                        methods,
                        progress=lambda name: bar.update(1),
                    )
        except StyleError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        record = {
            "style_set": style_name,
            "photos": photo_name,
            "results": {**scored["results"], **skipped},
            "style_map": style_map(murals),
            "classifier_cv_accuracy": scored["classifier_cv_accuracy"],
            "style_images": len(source.images),
            "other_murals": len(murals),
        }
        self.stdout.write(json.dumps(record) if options["json"] else json.dumps(record, indent=1))
