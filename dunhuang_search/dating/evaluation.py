"""Leave-one-cave-out evaluation of the dating assistant (`manage.py evaluate_dating`).

Each dated mural is estimated as if undated: the assistant never looks into the mural's own
cave, and the category weights it uses are learned from the other caves only (each element's
own votes, with the held-out cave's neighbours dropped, scored against its mural's period).
The two baselines see the same other caves: the majority period, and the nearest murals by
colour histogram.

`synthetic_set` builds the synthetic murals (indexer.synthetic, whose palettes and figure
styles vary by period) as catalogue rows with embedded ground-truth boxes; the command runs it
inside a transaction that it rolls back, with the vector index in a temporary folder.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dunhuang_search.catalogue.models import Cave, Mural, MuralPalette, Period, Site
from dunhuang_search.elements.models import Category, Element
from dunhuang_search.search.engine import embed_images
from indexer.dating import evaluation as E
from indexer.dating import votes as V
from indexer.dating.palette import colour_histogram, subsampled

from .assistant import Context, Gathered, K, gather, palette_of, summarise

SYNTHETIC_CAVE_BASE = 9000  # synthetic caves are numbered from here (rolled back afterwards)
MAX_ELEMENTS_PER_MURAL = 24


@dataclass
class Case:
    mural_id: int
    cave_id: int
    truth: str
    gathered: Gathered
    histogram: np.ndarray | None


def gather_cases(
    ctx: Context,
    murals: list[Mural],
    histograms: dict[int, np.ndarray],
    k: int = K,
    progress: Callable | None = None,
) -> list[Case]:
    """Votes for every mural that is dated under the context's authority."""
    dated = [m for m in murals if m.pk in ctx.murals]
    iterator = progress(dated, desc="estimate", unit="mural") if progress else dated
    return [
        Case(m.pk, m.cave_id, ctx.murals[m.pk], gather(ctx, m, None, k), histograms.get(m.pk))
        for m in iterator
    ]


def element_outcomes(
    case: Case, periods: list[V.PeriodSpan], held_out: int | None
) -> list[tuple[str, bool]]:
    """(category, whether the element's own votes pick its mural's period) per element, with the
    votes of neighbours in the held-out cave dropped."""
    by_element: dict[int, list[V.Vote]] = defaultdict(list)
    for vote in case.gathered.votes:
        if case.gathered.neighbour_caves.get((vote.kind, vote.neighbour_id)) != held_out:
            by_element[vote.element_id].append(vote)
    outcomes = []
    for element_id, votes in by_element.items():
        scores = V.combine(votes, periods)
        top = periods[int(np.argmax(scores))].slug
        outcomes.append((case.gathered.categories[element_id], top == case.truth))
    return outcomes


def learned_weights(
    cases: list[Case], periods: list[V.PeriodSpan], held_out: int | None = None
) -> dict[str, float]:
    outcomes = []
    for case in cases:
        if case.cave_id != held_out:
            outcomes += element_outcomes(case, periods, held_out)
    return V.learn_category_weights(outcomes)


def _contradicted(gathered: Gathered, span: list[int] | None) -> bool:
    allowed = V.allowed_years(gathered.bounds)
    if allowed is None or span is None:
        return False
    return not any(span[0] <= year <= span[1] for year in allowed)


def evaluate(
    cases: list[Case],
    periods: list[V.PeriodSpan],
    max_width: int = V.MAX_INTERVAL_YEARS,
    **summarising,
) -> dict:
    """The assistant and both baselines, leave-one-cave-out, as JSON-ready numbers."""
    rows: dict[str, list[dict]] = {"assistant": [], "majority": [], "colour_histogram_nn": []}
    weights_of: dict[int, dict[str, float]] = {}
    contradictions = 0
    for case in cases:
        weights = weights_of.get(case.cave_id)
        if weights is None:
            weights = weights_of[case.cave_id] = learned_weights(cases, periods, case.cave_id)
        result = summarise(case.gathered, periods, weights, max_width, **summarising)
        probs = np.array([result["distribution"][p.slug] for p in periods])
        rows["assistant"].append(
            E.score(probs, periods, case.truth, result["interval"], result["abstained"])
        )
        contradictions += _contradicted(case.gathered, result["interval"])
        pool = [c for c in cases if c.cave_id != case.cave_id]
        majority = E.majority([c.truth for c in pool], periods)
        rows["majority"].append(
            E.score(majority, periods, case.truth, E.span_of(majority, periods))
        )
        histograms = [(c.histogram, c.truth) for c in pool if c.histogram is not None]
        nn = (
            E.histogram_nn(case.histogram, histograms, periods)
            if case.histogram is not None
            else majority
        )
        rows["colour_histogram_nn"].append(E.score(nn, periods, case.truth, E.span_of(nn, periods)))
    return {
        "murals": len(cases),
        "caves": len({c.cave_id for c in cases}),
        "periods_present": len({c.truth for c in cases}),
        **{name: E.summary(scored) for name, scored in rows.items()},
        "inscriptions": sum(bool(c.gathered.bounds) for c in cases),
        "inscription_contradictions": contradictions,
        "category_weights": learned_weights(cases, periods),
    }


# the synthetic set ---------------------------------------------------------------------------


def _crop(pixels: np.ndarray, x: int, y: int, w: int, h: int, margin: float) -> np.ndarray:
    """The box with `margin` of context on each side, as the indexer crops elements."""
    mx, my = round(w * margin), round(h * margin)
    height, width = pixels.shape[:2]
    return pixels[max(0, y - my) : min(height, y + h + my), max(0, x - mx) : min(width, x + w + mx)]


def _instances(spec, rng: np.random.Generator, known: set[str]) -> list:
    kept = [i for i in spec.instances if i.category in known and min(i.w, i.h) >= 12]
    if len(kept) > MAX_ELEMENTS_PER_MURAL:
        chosen = rng.choice(len(kept), MAX_ELEMENTS_PER_MURAL, replace=False)
        kept = [kept[i] for i in sorted(chosen)]
    return kept


def synthetic_set(
    count: int, size: tuple[int, int], seed: int, caves: int, progress: Callable | None = None
) -> tuple[list[Mural], dict[int, np.ndarray]]:
    """`count` synthetic murals over `caves` caves (mural i in cave i mod caves), with their
    labelled boxes as manual elements embedded by the active embedder; and their colour
    histograms. Call inside a transaction that is rolled back."""
    from indexer.pipeline import IndexConfig
    from indexer.synthetic import plan_mural, render_mural

    site = Site.objects.get(slug="mogao")
    cave_rows = [
        Cave.objects.get_or_create(site=site, number=SYNTHETIC_CAVE_BASE + i)[0]
        for i in range(caves)
    ]
    categories = {c.slug: c for c in Category.objects.all()}
    periods = {p.slug: p for p in Period.objects.all()}
    margin = IndexConfig().context_margin
    murals, histograms = [], {}
    seeds = range(seed, seed + count)
    for i, mural_seed in enumerate(
        progress(seeds, desc="synthetic", unit="mural") if progress else seeds
    ):
        spec = plan_mural(*size, seed=mural_seed)
        pixels = render_mural(spec)
        key = hashlib.sha256(f"evaluate-dating:{size}:{mural_seed}".encode()).hexdigest()
        mural = Mural.objects.create(
            cave=cave_rows[i % caves],
            wall=spec.wall,
            period=periods[spec.period],
            title=f"synthetic evaluation mural, seed {mural_seed}",
            width=spec.width,
            height=spec.height,
            checksum=key,
            source_path="(synthetic, rendered in memory)",
            source_format="synthetic",
            source_bytes=0,
            pyramid="",
        )
        boxes = _instances(spec, np.random.default_rng(mural_seed), set(categories))
        if boxes:
            crops = [_crop(pixels, b.x, b.y, b.w, b.h, margin) for b in boxes]
            vectors, embedder_id = embed_images(crops)
            Element.objects.bulk_create(
                Element(
                    mural=mural,
                    x=b.x,
                    y=b.y,
                    w=b.w,
                    h=b.h,
                    category=categories[b.category],
                    source=Element.Source.MANUAL,
                    embedder=embedder_id,
                    embedding=vector,
                )  # fmt: skip
                for b, vector in zip(boxes, vectors, strict=True)
            )
        histograms[mural.pk] = colour_histogram(subsampled(pixels))
        MuralPalette.store(mural.pk, histograms[mural.pk])
        murals.append(mural)
    return murals, histograms


def catalogue_histograms(murals: list[Mural]) -> dict[int, np.ndarray]:
    """The catalogue murals' palettes (stored, else read from a small view of each pyramid)."""
    found = {}
    for mural in murals:
        palette = palette_of(mural)
        if palette is not None:
            found[mural.pk] = palette
    return found
