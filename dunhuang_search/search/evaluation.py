"""Search quality on held-out synthetic murals (`manage.py evaluate_search`): what a person sees
on the first page of a category or words query, and in the top of an example query.

The murals are generated with seeds no detector training or threshold calibration used,
ingested and indexed through the real pipeline (the active detector, its tiling and its
operating thresholds, the embedder, OCR) into a temporary vector index, and searched through
run_search, as the page and the API do. Everything is rolled back afterwards: no row and no file
is left. A result is a hit when its box overlaps (IoU >= 0.5) a ground-truth box of the
queried category on its mural.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db import transaction
from django.test.utils import override_settings

from dunhuang_search.catalogue.ingest import ingest_mural
from dunhuang_search.elements.indexing import index_murals
from dunhuang_search.elements.models import Category, Element, IndexJob
from indexer.boxes import iou

from .engine import run_search
from .query import parse_request

PAGE = 24  # one results page
EXAMPLE_QUERIES = 5  # example queries per category
FIRST_CAVE = 90_000  # the evaluation murals' caves: far from any real cave number
MATCH_IOU = 0.5
PRIOR = 0.05  # the category prior measured against the default (chosen before, not tuned)


@dataclass
class Truth:
    """The ground truth of the evaluation murals: {mural id: [(category slug, x, y, w, h)]}."""

    boxes: dict[int, list[tuple[str, tuple[int, int, int, int]]]]

    def count(self, slug: str) -> int:
        return sum(cat == slug for boxes in self.boxes.values() for cat, _ in boxes)

    def is_hit(self, element: Element, slug: str) -> bool:
        box = (element.x, element.y, element.w, element.h)
        return any(
            cat == slug and iou(box, truth) >= MATCH_IOU
            for cat, truth in self.boxes.get(element.mural_id, [])
        )


def evaluate_search(
    murals: int,
    size: tuple[int, int],
    seed: int,
    resolve: Callable,
    progress: Callable | None = None,
    index_progress: Callable | None = None,
) -> dict:
    """The benchmark record (see the module doc). `resolve()` gives (detector, config,
    thresholds) as the index command uses them; `progress` wraps the murals generated (tqdm),
    `index_progress` is index_murals' progress factory."""
    with scratch_catalogue("evaluate-search-") as folder:
        truth, rows = index_held_out(
            folder, murals, size, seed, resolve, (progress, index_progress),
            title="evaluate_search",
        )  # fmt: skip
        return measure(truth, [FIRST_CAVE + i for i in range(len(rows))], seed)


@contextlib.contextmanager
def scratch_catalogue(prefix: str, **folders: str):
    """A temporary folder holding the pyramids, vectors and jobs (and the settings named in
    `folders`, as sub-folders of it) and a transaction rolled back on leaving: whatever is
    ingested, indexed or trained inside leaves no row and no file behind."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        folder = Path(tmp)
        overrides = {
            "PYRAMID_DIR": folder / "pyramids",
            "VECTOR_INDEX_PATH": folder / "vectors" / "elements.faiss",
            "JOBS_DIR": folder / "jobs",
            **{name: folder / sub for name, sub in folders.items()},
        }
        with override_settings(**overrides), transaction.atomic():
            yield folder
            transaction.set_rollback(True)


def index_held_out(folder, count, size, seed, resolve, progress, title: str) -> tuple[Truth, list]:
    """`count` synthetic murals of `seed` generated under `folder`, ingested (caves from
    FIRST_CAVE) and indexed with `resolve()`'s detector: their ground truth and Mural rows.
    Call it inside a transaction that is rolled back, with the files' settings overridden."""
    from indexer.synthetic import plan_murals, write_mural_image

    progress, index_progress = progress
    detector, config, thresholds = resolve()
    truth, rows = {}, []
    for index, spec in plan_murals(count, size[0], size[1], seed, 1.0, progress, desc="murals"):
        image = folder / f"held-out-{seed}-{index}.jpg"
        write_mural_image(spec, image)
        mural = ingest_mural(
            image, site="mogao", cave=FIRST_CAVE + index, wall="south", period="high-tang",
            title=f"{title} seed {seed} #{index}",
        )  # fmt: skip
        image.unlink()
        truth[mural.pk] = [(i.category, (i.x, i.y, i.w, i.h)) for i in spec.instances]
        rows.append(mural)
    jobs = index_murals(rows, detector, config, thresholds=thresholds, progress=index_progress)
    failed = [job for job in jobs if job.state != IndexJob.State.DONE]
    if failed:
        raise RuntimeError(f"indexing failed: {failed[0].error}")
    return Truth(truth), rows


def _precision(results, truth: Truth, slug: str, n: int) -> float | None:
    top = [element for element, _ in results[:n]]
    if not top:
        return None
    return round(sum(truth.is_hit(e, slug) for e in top) / len(top), 4)


def _page_precision(params: dict, truth: Truth, slug: str) -> dict:
    outcome = run_search(parse_request({**params, "page_size": str(PAGE)}))
    return {
        "p_at_24": _precision(outcome.results, truth, slug, PAGE),
        "total": outcome.total,
        "truths": truth.count(slug),
    }


def _example_queries(truth: Truth, caves: str, seed: int, category: Category) -> list[Element]:
    """Up to EXAMPLE_QUERIES visible elements of the category that are right (a person would
    query with a real apsara), drawn with the seed."""
    candidates = [
        e
        for e in Element.objects.visible()
        .filter(category=category, mural__cave__number__in=caves.split(","))
        .exclude(embedding=None)
        .order_by("pk")
        if truth.is_hit(e, category.slug)
    ]
    rng = np.random.default_rng(seed)
    picked = rng.permutation(len(candidates))[:EXAMPLE_QUERIES]
    return [candidates[i] for i in sorted(picked)]


def measure(truth: Truth, caves: list[int], seed: int) -> dict:
    cave_list = ",".join(map(str, caves))
    categories = list(Category.objects.order_by("slug"))
    record: dict = {
        "murals": len(truth.boxes),
        "seed": seed,
        "truth_boxes": sum(len(b) for b in truth.boxes.values()),
    }
    for mode, flag in (("thresholds", "0"), ("no_thresholds", "1")):
        base = {"cave": cave_list, "include_uncertain": flag}
        category = {c.slug: _page_precision({**base, "category": c.slug}, truth, c.slug)
                    for c in categories}  # fmt: skip
        text = {}
        for c in categories:
            for lang, words in (("en", c.name), ("zh", c.name_zh)):
                if words:
                    text[f"{c.slug}:{lang}"] = {
                        "q": words, **_page_precision({**base, "q": words}, truth, c.slug)
                    }  # fmt: skip
        record[mode] = {
            "category": category,
            "text": text,
            # the engine's default, and with the category prior at PRIOR
            "example": _examples(truth, categories, base, seed, None),
            "example_category_prior": _examples(truth, categories, base, seed, PRIOR),
        }
    # the contract keys: the default (operating thresholds) view
    record.update(
        category=record["thresholds"]["category"],
        text=record["thresholds"]["text"],
        example=record["thresholds"]["example"],
    )
    return record


def _examples(
    truth: Truth, categories: list[Category], base: dict, seed: int, prior: float | None
) -> dict:
    """Example-query precision@5 and @20, a hit being an element of the query's ground-truth
    category, averaged over the queries; per category too."""
    at5, at20, per = [], [], {}
    for category in categories:
        mine5, mine20 = [], []
        for query in _example_queries(truth, base["cave"], seed, category):
            request = parse_request({**base, "element": str(query.pk), "k": "20"})
            request.prior = prior
            outcome = run_search(request)
            p5 = _precision(outcome.results, truth, category.slug, 5)
            p20 = _precision(outcome.results, truth, category.slug, 20)
            if p5 is not None:
                mine5.append(p5)
                mine20.append(p20)
        per[category.slug] = {
            "p_at_5": _mean(mine5),
            "p_at_20": _mean(mine20),
            "queries": len(mine5),
        }
        at5 += mine5
        at20 += mine20
    return {"p_at_5": _mean(at5), "p_at_20": _mean(at20), "queries": len(at5), "per_category": per}


def _mean(values: list[float]) -> float | None:
    return round(float(np.mean(values)), 4) if values else None
