"""The dating assistant: a period for a mural or an element, from its dated neighbours in other
caves and from its dated inscriptions, with the evidence laid out.

1. Votes. Each of the target's elements (visible ones with a vector; a mural with fewer than
   FEW_DETECTIONS of them adds its dense windows, `index --dense`) asks the FAISS service for its
   k nearest elements that are dated under the authority and lie in ANOTHER cave (the cave is
   excluded in the search's own filter); dense windows ask among other murals' dense windows.
   Each neighbour votes for its period with its similarity times the category's weight
   (learned leave-one-cave-out by `evaluate_dating`, kept beside the vector index).
   A mural's wall votes too: its palette (indexer.dating.palette) against the palettes of the
   dated walls of other caves, its PALETTE_K nearest voting as one more "category", "palette".
2. indexer.dating.votes smooths the votes over neighbouring periods, clips them to the years
   the mural's dated inscriptions allow, and gives the 80% interval in years; wider than
   MAX_INTERVAL_YEARS is "insufficient evidence".
3. Elements whose own votes split between periods are reported as possible repainting.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db.models import Q
from pgvector.django import L1Distance

from dunhuang_search.catalogue.models import Mural, MuralPalette
from dunhuang_search.elements.inscriptions import INSCRIPTION_SLUG
from dunhuang_search.elements.models import Element
from dunhuang_search.search import faiss_service
from dunhuang_search.search.similarity import nearest
from indexer.dating import palette as P
from indexer.dating import votes as V
from indexer.dating.inscriptions import find_dates
from indexer.imagery import ImageryError

from .authority import (
    CATALOGUE,
    check_authority,
    dated_elements,
    element_periods,
    mural_periods,
    period_spans,
)

K = 10
PALETTE_K = 5
PALETTE = "palette"  # the weight key of the wall's palette votes
FEW_DETECTIONS = 3
DENSE = "dense"  # the weight key of dense windows
LEVEL = 0.8


def weights_path() -> Path:
    return Path(settings.VECTOR_INDEX_PATH).with_name("dating-category-weights.json")


def load_weights() -> dict[str, float]:
    """The learned category weights (empty: every category weighs 1)."""
    path = weights_path()
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8")).get("weights", {})


@dataclass
class Context:
    """What every estimate under one authority reads once."""

    authority: str
    periods: list[V.PeriodSpan]
    murals: dict[int, str]  # mural id -> period, under the authority
    elements: dict[int, str]  # element id -> its own period, under the authority
    index: faiss_service.LoadedIndex | None
    problem: str = ""
    pool: set[int] | None = None  # only these murals may be neighbours (evaluations)
    same_category: bool = True  # an element's neighbours are of its category (like with like)

    @classmethod
    def build(cls, authority: str | None = None, pool: set[int] | None = None) -> Context:
        authority = check_authority(authority)
        periods = period_spans()
        try:
            index = faiss_service.service().get()
            problem = ""
        except faiss_service.NoIndexError as error:
            index, problem = None, str(error)
        return cls(
            authority,
            periods,
            mural_periods(authority, periods),
            element_periods(authority, periods),
            index,
            problem,
            pool,
        )


@dataclass
class Gathered:
    votes: list[V.Vote] = field(default_factory=list)
    categories: dict[int, str] = field(default_factory=dict)  # target element -> weight key
    inscriptions: list[dict] = field(default_factory=list)
    bounds: list[tuple[int, ...]] = field(default_factory=list)
    reason: str = ""
    # (vote kind, neighbour id) -> the neighbour's cave id
    neighbour_caves: dict[tuple[str, int], int] = field(default_factory=dict)


def _targets(mural: Mural, element: Element | None, embedder: str) -> list[Element]:
    if element is not None:
        return [element] if element.embedding is not None else []
    with_vector = Element.objects.filter(mural=mural, embedding__isnull=False, embedder=embedder)
    targets = list(with_vector.visible().select_related("category"))
    if len(targets) < FEW_DETECTIONS:
        targets += list(with_vector.filter(source=Element.Source.DENSE))
    return targets


def _neighbour_votes(
    ctx: Context, mural: Mural, target: Element, k: int, caves: dict[tuple[str, int], int]
) -> list[V.Vote]:
    same_kind = (
        Q(source=Element.Source.DENSE)
        if target.source == Element.Source.DENSE
        else ~Q(source=Element.Source.DENSE) & ~Q(review_state=Element.Review.REJECTED)
    )
    condition = (
        dated_elements(ctx.authority, ctx.murals, ctx.elements)
        & ~Q(mural__cave_id=mural.cave_id)
        & same_kind
    )
    if ctx.same_category and target.category_id and target.source != Element.Source.DENSE:
        condition &= Q(category_id=target.category_id)
    if ctx.pool is not None:
        condition &= Q(mural_id__in=sorted(ctx.pool))
    found = nearest(ctx.index, np.asarray(target.embedding), k, condition)
    rows = {
        pk: (mural_id, cave_id, number)
        for pk, mural_id, cave_id, number in Element.objects.filter(
            pk__in=[pk for pk, _ in found.hits]
        ).values_list("pk", "mural_id", "mural__cave_id", "mural__cave__number")
    }
    votes = []
    for pk, similarity in found.hits:
        mural_id, cave_id, number = rows[pk]
        if cave_id == mural.cave_id:  # never: the filter excludes the cave; kept as a guard
            continue
        period = ctx.elements.get(pk) or ctx.murals.get(mural_id)
        if period:
            caves[("element", pk)] = cave_id
            votes.append(V.Vote(target.pk, pk, period, number, float(similarity), 1.0))
    return votes


def palette_of(mural: Mural) -> np.ndarray | None:
    """The mural's stored palette, else one read from its pyramid now (not saved); None where
    neither can be had."""
    stored = MuralPalette.of(mural.pk)
    if stored is not None:
        return np.asarray(stored)
    try:  # a missing or unreadable pyramid is an ImageryError too
        return P.pyramid_palette(mural.pyramid_path)
    except ImageryError:
        return None


def _palette_votes(
    ctx: Context, mural: Mural, caves: dict[tuple[str, int], int], k: int = PALETTE_K
) -> list[V.Vote]:
    """The wall's votes: the k dated walls of other caves with the most similar palettes."""
    palette = palette_of(mural)
    if palette is None:
        return []
    dated = set(ctx.murals) if ctx.pool is None else set(ctx.murals) & ctx.pool
    rows = (
        MuralPalette.objects.filter(mural_id__in=sorted(dated))
        .exclude(mural__cave_id=mural.cave_id)
        .annotate(distance=L1Distance("histogram", palette.tolist()))
        .order_by("distance", "mural_id")
        .values_list("mural_id", "mural__cave_id", "mural__cave__number", "distance")[:k]
    )
    votes = []
    for pk, cave_id, number, distance in rows:
        caves[(PALETTE, pk)] = cave_id
        votes.append(
            V.Vote(V.WALL, pk, ctx.murals[pk], number, P.similarity(distance), 1.0, PALETTE)
        )
    return votes


def inscriptions_of(mural: Mural) -> tuple[list[dict], list[tuple[int, ...]]]:
    """The dated phrases of the mural's inscription elements (OCR or corrected text)."""
    rows = (
        Element.objects.filter(mural=mural, category__slug=INSCRIPTION_SLUG)
        .exclude(ocr_text="")
        .exclude(review_state=Element.Review.REJECTED)
        .order_by("pk")
    )
    found, bounds = [], []
    for row in rows:
        for date in find_dates(row.ocr_text):
            found.append(
                {"element_id": row.pk, "text": date.text, "year": date.year, "years": date.years}
            )
            bounds.append(date.years)
    return found, bounds


def gather(ctx: Context, mural: Mural, element: Element | None = None, k: int = K) -> Gathered:
    """The raw votes (weight 1) and the inscription bounds of one target."""
    out = Gathered()
    out.inscriptions, out.bounds = inscriptions_of(mural)
    if ctx.index is None:
        out.reason = ctx.problem
        return out
    targets = _targets(mural, element, ctx.index.embedder)
    if element is None:  # the wall's palette votes for the mural, not for one element
        out.votes += _palette_votes(ctx, mural, out.neighbour_caves)
        if out.votes:
            out.categories[V.WALL] = PALETTE
    if not targets and not out.votes:
        has_any = Element.objects.filter(mural=mural).exists() if element is None else True
        out.reason = (
            "the element has no vector (index its mural)"
            if element is not None
            else "the mural has no elements with vectors and no palette (index it; `index "
            "--dense` adds windows for walls no detector understands)"
            if has_any
            else "the mural has no elements and no palette (index it, with --dense for walls "
            "no detector understands)"
        )
        return out
    for target in targets:
        key = DENSE if target.source == Element.Source.DENSE else target.category_id
        if key != DENSE:
            key = target.category.slug if target.category else "uncategorised"
        out.categories[target.pk] = key
        out.votes += _neighbour_votes(ctx, mural, target, k, out.neighbour_caves)
    if not out.votes:
        out.reason = "no dated neighbours in other caves"
    return out


def summarise(
    gathered: Gathered,
    periods: list[V.PeriodSpan],
    weights: dict[str, float],
    max_width: int = V.MAX_INTERVAL_YEARS,
    temperature: float = V.TEMPERATURE,
    smoothing: float = V.SMOOTHING,
) -> dict:
    """The estimate's JSON (less its target) from gathered votes and bounds."""
    votes = [
        V.Vote(
            v.element_id,
            v.neighbour_id,
            v.period,
            v.cave,
            v.similarity,
            float(weights.get(gathered.categories.get(v.element_id, ""), 1.0)),
            v.kind,
        )
        for v in gathered.votes
    ]
    element_votes = [v for v in votes if v.kind != PALETTE]
    allowed = V.allowed_years(gathered.bounds)
    scores = V.combine_by_category(votes, gathered.categories, periods, temperature)
    probs = V.distribution(V.smooth(scores, smoothing))
    probs = V.clipped(probs, periods, allowed)
    years, density = V.year_density(probs, periods, allowed)
    low, high = V.interval(years, density, LEVEL)
    reason = gathered.reason if not votes and allowed is None else ""
    if not reason and high - low > max_width:
        reason = f"the {LEVEL:.0%} interval {low}–{high} is wider than {max_width} years"
    abstained = bool(reason)
    best = periods[int(np.argmax(probs))].slug if periods else None
    pulls: dict[str, list[int]] = defaultdict(list)
    for element_id, groups in _element_tops(element_votes, periods).items():
        pulls[groups].append(element_id)
    return {
        "period": None if abstained else best,
        "interval": None if abstained and not votes and allowed is None else [low, high],
        "distribution": {p.slug: round(float(x), 4) for p, x in zip(periods, probs, strict=True)},
        "abstained": abstained,
        "reason": reason,
        "evidence": [
            {
                "element_id": v.element_id,
                "neighbour_id": v.neighbour_id,
                "period": v.period,
                "cave": v.cave,
                "similarity": round(v.similarity, 4),
                "weight": v.weight,
                "category": gathered.categories.get(v.element_id),
            }
            for v in sorted(element_votes, key=V.vote_strength, reverse=True)
        ],
        "palette_evidence": [
            {
                "mural_id": v.neighbour_id,
                "period": v.period,
                "cave": v.cave,
                "similarity": round(v.similarity, 4),
                "weight": v.weight,
            }
            for v in votes
            if v.kind == PALETTE
        ],
        "inscriptions": gathered.inscriptions,
        "pulls": {slug: sorted(ids) for slug, ids in pulls.items()},
        "possible_repainting": V.mixed_votes(element_votes, periods),
    }


def _element_tops(votes: list[V.Vote], periods: list[V.PeriodSpan]) -> dict[int, str]:
    by_element: dict[int, list[V.Vote]] = defaultdict(list)
    for vote in votes:
        by_element[vote.element_id].append(vote)
    return {
        element_id: periods[int(np.argmax(V.combine(element_votes, periods)))].slug
        for element_id, element_votes in by_element.items()
    }


def estimate(
    mural: Mural,
    element: Element | None = None,
    authority: str | None = CATALOGUE,
    k: int = K,
    ctx: Context | None = None,
) -> dict:
    """The contract's JSON: target, period, interval, distribution, abstained, evidence,
    inscriptions (and reason, pulls, possible_repainting, palette_evidence, authority)."""
    ctx = ctx or Context.build(authority)
    result = summarise(gather(ctx, mural, element, k), ctx.periods, load_weights())
    target = {"mural_id": mural.pk, "element_id": element.pk if element else None}
    return {"target": target, **result, "authority": ctx.authority}
