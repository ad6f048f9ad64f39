"""`manage.py evaluate_fewshot [--murals N] [--size WxH] [--seed S] [--category SLUG] [--real]
[--json]`: how well "find more" finds a category no detector knows.

Synthetic murals (indexer.synthetic, seeds from --seed: never the seeds anything was tuned on)
with one category dropped from the labels; 5 and 10 of its figures are marked as examples and
both rankers (linear probe, mean vector) rank the dense windows and the other categories' boxes
of every mural, with and without the refinement of the best candidates' boxes. With `--real`,
real faces (../shared/data/faces) pasted onto real cave 220 walls
(../shared/data/murals/mogao-220) are measured the same way; skipped when that is absent.
Prints precision@20 and recall@100 per run; `--json` as the last line.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dunhuang_search.commands import parse_size
from dunhuang_search.review.embedding import shared_embedder
from dunhuang_search.review.fewshot_eval import Wall, evaluate

SHARED = Path(settings.BASE_DIR).parent / "shared" / "data"


def synthetic_walls(count: int, size: tuple[int, int], seed: int, category: str) -> list[Wall]:
    """`count` murals, at least two of them with the category (more seeds are tried until)."""
    from indexer.synthetic import CATEGORIES, plan_mural, render_mural

    if category not in CATEGORIES:
        raise CommandError(f"--category must be one of {', '.join(CATEGORIES)}", returncode=2)
    walls, with_target = [], 0
    for n in range(count * 8):
        spec = plan_mural(*size, seed=seed + n)
        targets = [(i.x, i.y, i.w, i.h) for i in spec.instances if i.category == category]
        if len(walls) >= count - (2 - with_target) and not targets:
            continue  # keep room for walls that have the category
        others = [(i.x, i.y, i.w, i.h) for i in spec.instances if i.category != category]
        walls.append(Wall(render_mural(spec), targets, others))
        with_target += bool(targets)
        if len(walls) >= count and with_target >= 2:
            return walls
    raise CommandError(f"no {count} murals with {category} among {count * 8} seeds", returncode=2)


def real_walls(
    faces_per_wall: int, seed: int, count: int, longest: int = 1024
) -> list[Wall] | None:
    """`count` cave 220 walls (shrunk to `longest` px) with real faces pasted at random free
    spots (96-160 px); None without ../shared/data."""
    import pyvips

    walls_dir, faces_dir = SHARED / "murals" / "mogao-220", SHARED / "faces"
    if not (walls_dir.is_dir() and faces_dir.is_dir()):
        return None
    rng = np.random.default_rng(seed)
    faces = sorted(faces_dir.glob("*.jpg"))
    rng.shuffle(faces)
    walls, used = [], 0
    for path in sorted(walls_dir.glob("*.jpg"))[:count]:
        image = pyvips.Image.new_from_file(str(path)).colourspace("srgb")[:3]
        image = image.resize(min(1.0, longest / max(image.width, image.height)))
        pixels = image.numpy().copy()
        boxes: list[tuple[int, int, int, int]] = []
        for _ in range(faces_per_wall * 20):
            if len(boxes) == faces_per_wall or used >= len(faces):
                break
            side = int(rng.integers(96, 161))
            x = int(rng.integers(0, pixels.shape[1] - side))
            y = int(rng.integers(0, pixels.shape[0] - side))
            if any(x < bx + bw and bx < x + side and y < by + bh and by < y + side
                   for bx, by, bw, bh in boxes):  # fmt: skip
                continue
            face = pyvips.Image.new_from_file(str(faces[used])).colourspace("srgb")[:3]
            face = face.resize(side / face.width, vscale=side / face.height).numpy()
            pixels[y : y + side, x : x + side] = face[:side, :side]
            boxes.append((x, y, side, side))
            used += 1
        walls.append(Wall(pixels, boxes, []))
    return walls


class Command(BaseCommand):
    help = "Measure few-shot 'find more': precision@20 and recall@100 with 5 and 10 examples."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--murals", type=int, default=6, help="synthetic murals (6)")
        parser.add_argument("--size", default="1024x768", help="synthetic mural size")
        parser.add_argument("--seed", type=int, default=7100, help="first synthetic seed")
        parser.add_argument("--category", default="apsara", help="the category dropped")
        parser.add_argument("--real", action="store_true", help="also faces on cave 220 walls")
        parser.add_argument("--faces", type=int, default=6, help="faces pasted per real wall")
        parser.add_argument("--walls", type=int, default=4, help="real walls used (4)")
        parser.add_argument("--json", action="store_true", help="print JSON as the last line")

    def handle(self, *args, **options) -> None:
        if options["murals"] < 2:
            raise CommandError("--murals must be at least 2", returncode=2)
        size = parse_size(options["size"], min_side=256, max_side=8192)
        started = time.perf_counter()
        embedder = shared_embedder()
        walls = synthetic_walls(options["murals"], size, options["seed"], options["category"])
        try:
            body = {
                "embedder": embedder.id,
                "synthetic": {
                    "murals": len(walls),
                    "size": f"{size[0]}x{size[1]}",
                    "seed": options["seed"],
                    "category": options["category"],
                    "targets": sum(len(w.targets) for w in walls),
                    **evaluate(walls, embedder),
                },
            }
            if options["real"]:
                real = real_walls(options["faces"], options["seed"], options["walls"])
                body["real"] = (
                    {"skipped": "../shared/data is absent"}
                    if real is None
                    else {
                        "walls": len(real),
                        "faces": sum(len(w.targets) for w in real),
                        **evaluate(real, embedder),
                    }  # fmt: skip
                )
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        body["seconds"] = round(time.perf_counter() - started, 1)
        for part in ("synthetic", "real"):
            for run in body.get(part, {}).get("runs", []):
                self.stderr.write(
                    f"{part} {run['examples']:2d} examples {run['method']:5s} "
                    f"{'refined' if run['refined'] else 'windows'}: "
                    f"P@20 {run['precision_at_20']:.2f}  R@100 {run['recall_at_100']:.2f}"
                )
        self.stdout.write(json.dumps(body) if options["json"] else json.dumps(body, indent=1))
