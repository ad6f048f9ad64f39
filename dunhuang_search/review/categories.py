"""Categories that archaeologists add, their marked examples, and "find more": proposals ranked
by review.fewshot from the stored vectors (FAISS, or pgvector when the index is of another
embedder), put into the review queue as hidden `proposal` elements until someone accepts them.
"""

from __future__ import annotations

import logging
import re
from collections import Counter

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.models import Category, Element
from dunhuang_search.inference import ModelLoadError
from dunhuang_search.search.engine import loaded_index
from dunhuang_search.search.query import SearchInputError
from dunhuang_search.search.similarity import exact_pgvector, nearest

from . import embedding, fewshot
from .actions import ReviewError, create_manual

log = logging.getLogger(__name__)
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
MAX_K = 1_000
OVERFETCH = 8  # candidates read per result wanted, before overlaps are removed


def create_category(
    name, name_zh="", synonyms=(), colour="#e6194b", slug=None, description=""
) -> Category:
    """A new category; a slug or name that clashes with an existing one is a ReviewError."""
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name or len(name) > 100:
        raise ReviewError("name must be 1 to 100 characters")
    slug = slugify(slug or name)
    if not slug:
        raise ReviewError(f"cannot make a slug of {name!r}: give one (latin letters, digits, -)")
    if not isinstance(synonyms, (list, tuple)) or not all(isinstance(s, str) for s in synonyms):
        raise ReviewError("synonyms must be a list of words")
    if not isinstance(colour, str) or not COLOUR.fullmatch(colour):
        raise ReviewError(f"colour must be #rrggbb, not {colour!r}")
    if Category.objects.filter(slug=slug).exists():
        raise ReviewError(f"a category with the slug {slug!r} exists already")
    clash = Q(name__iexact=name) | (Q(name_zh=name_zh) if name_zh else Q(pk__in=[]))
    if Category.objects.filter(clash).exists():
        raise ReviewError(f"a category named {name!r}{' / ' + name_zh if name_zh else ''} exists")
    return Category.objects.create(
        slug=slug,
        name=name,
        name_zh=(name_zh or "").strip(),
        synonyms=[s.strip() for s in synonyms if s.strip()],
        color=colour.lower(),
        description=description or "",
    )


def find_category(slug) -> Category:
    found = Category.objects.filter(slug=slug).first() if isinstance(slug, str) else None
    if found is None:
        raise ReviewError(f"unknown category {slug!r}")
    return found


def add_example(slug, mural_id, bbox, user) -> Element:
    """A marked example: a manual, accepted element of the category, embedded at once."""
    category = find_category(slug)
    return create_manual(mural_id, bbox, category.slug, user, note="few-shot example")


def confirmed(prefix: str = "") -> Q:
    """Elements a person vouches for as of their category: manual ones and accepted ones
    (`prefix`, e.g. "elements__", to filter through a relation)."""
    return Q(**{f"{prefix}source": Element.Source.MANUAL}) | Q(
        **{f"{prefix}review_state": Element.Review.ACCEPTED}
    )


def examples_of(category: Category) -> tuple[np.ndarray, str, list[tuple]]:
    """The vectors of the category's people-confirmed elements (manual or accepted) of their
    most common embedder, that embedder's id, and the examples' boxes."""
    rows = list(
        Element.objects.filter(category=category, embedding__isnull=False)
        .filter(confirmed())
        .values_list("embedder", "embedding", "x", "y", "w", "h")
    )
    if not rows:
        raise ReviewError(f"category {category.slug!r} has no examples yet: mark 3 to 10 first")
    embedder_id = Counter(r[0] for r in rows).most_common(1)[0][0]
    mine = [r for r in rows if r[0] == embedder_id]
    return np.stack([np.asarray(r[1]) for r in mine]), embedder_id, [r[2:] for r in mine]


def box_embedder(embedder_id: str) -> fewshot.Embed | None:
    """The refinement's embed(mural_id, boxes) with the configured embedder, or None when that
    is not the examples' embedder (their vectors would not compare) or cannot be loaded. A
    mural whose pyramid cannot be read gives None: its candidates keep their boxes."""
    try:
        embedder = embedding.shared_embedder()
    except ModelLoadError as exc:
        log.warning("find more without refinement: %s", exc)
        return None
    if embedder.id != embedder_id:
        return None

    def embed(mural_id: int, boxes: list) -> np.ndarray | None:
        try:
            return embedding.embed_boxes(Mural.objects.get(pk=mural_id), boxes, embedder)[0]
        except embedding.EmbedError as exc:
            log.warning("find more keeps the unrefined boxes of mural %s: %s", mural_id, exc)
            return None

    return embed


def background(embedder_id: str, category: Category, n: int = fewshot.NEGATIVES) -> np.ndarray:
    """The probe's negatives: random dense windows and random elements of other categories
    (half each where both exist), of the embedder. Without the elements, the probe would learn
    "a tightly framed crop" rather than the category, and rank every other element first."""
    rows = Element.objects.filter(embedder=embedder_id, embedding__isnull=False)
    dense = rows.filter(source=Element.Source.DENSE)
    others = rows.exclude(source=Element.Source.DENSE).exclude(category=category)
    others = others.exclude(category=None).exclude(review_state=Element.Review.REJECTED)
    vectors = list(dense.order_by("?").values_list("embedding", flat=True)[: n // 2])
    vectors += list(others.order_by("?").values_list("embedding", flat=True)[: n - len(vectors)])
    return np.stack([np.asarray(v) for v in vectors]) if vectors else np.zeros((0, 1))


def candidates_q(category: Category) -> Q:
    """What may be proposed: detector elements and dense windows not of the category, never
    rejected ones."""
    sources = [Element.Source.DETECTOR, Element.Source.DENSE]
    return Q(source__in=sources) & ~Q(review_state=Element.Review.REJECTED) & ~Q(category=category)


def _hits(direction, embedder_id: str, condition: Q, wanted: int) -> list[tuple[int, float]]:
    try:
        index = loaded_index()
    except SearchInputError:
        index = None
    if index is not None and index.embedder == embedder_id:
        return nearest(index, direction.vector, wanted, condition).hits
    queryset = Element.objects.filter(condition, embedder=embedder_id, embedding__isnull=False)
    return exact_pgvector(queryset, direction.vector, wanted)


def propose(slug, k: int = 20, method: str | None = None, refine: bool = True) -> dict:
    """{"category", "method", "results": [{mural_id, bbox, score, source, element_id,
    refined}]}, the k best candidates, best first; with `refine`, the best are re-boxed to the
    examples' aspect (fewshot.refine) where the configured embedder made the examples' vectors."""
    category = find_category(slug)
    method = method or fewshot.DEFAULT_METHOD
    if method not in fewshot.METHODS:
        raise ReviewError(f"method must be one of {', '.join(fewshot.METHODS)}, not {method!r}")
    if not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise ReviewError(f"k must be an integer from 1 to {MAX_K}, not {k!r}")
    examples, embedder_id, example_boxes = examples_of(category)
    negatives = background(embedder_id, category) if method == "probe" else np.zeros((0, 1))
    direction = fewshot.fit_direction(examples, negatives, method)
    hits = _hits(direction, embedder_id, candidates_q(category), k * OVERFETCH)
    rows = Element.objects.filter(pk__in=[pk for pk, _ in hits]).values_list(
        "pk", "mural_id", "x", "y", "w", "h", "source"
    )
    by_id = {row[0]: row for row in rows}
    ranked = [
        fewshot.Candidate(r[1], tuple(r[2:6]), float(direction.score(dot)), r[6], pk)
        for pk, dot in hits
        if (r := by_id.get(pk))
    ]
    existing: dict[int, list] = {}
    murals = {c.mural_id for c in ranked}
    for mural_id, *box in (
        Element.objects.filter(category=category, mural_id__in=murals)
        .exclude(review_state=Element.Review.REJECTED)
        .values_list("mural_id", "x", "y", "w", "h")
    ):
        existing.setdefault(mural_id, []).append(tuple(box))
    embed = box_embedder(embedder_id) if refine and ranked else None
    if embed is None:
        chosen = fewshot.select(ranked, k, existing)
    else:
        bounds = dict(
            (pk, (w, h))
            for pk, w, h in Mural.objects.filter(pk__in=murals).values_list("pk", "width", "height")
        )
        aspect = fewshot.example_aspect(example_boxes)
        chosen = fewshot.select_refined(ranked, k, existing, aspect, direction, bounds, embed)
    return {
        "category": category.slug,
        "method": direction.method,
        "results": [c.as_dict() for c in chosen],
    }


def proposal_vectors(results: list[dict]) -> list[tuple]:
    """(vector, embedder id) of each result: its candidate's stored vector, or for a refined
    box, the box embedded afresh (one batch per mural)."""
    source_ids = [r["element_id"] for r in results if not r.get("refined")]
    found = Element.objects.filter(pk__in=source_ids).values_list("pk", "embedding", "embedder")
    stored = {pk: (vector, embedder_id) for pk, vector, embedder_id in found}
    vectors = [
        None if r.get("refined") else stored.get(r["element_id"], (None, "")) for r in results
    ]
    by_mural: dict[int, list[int]] = {}
    for n, r in enumerate(results):
        if r.get("refined"):
            by_mural.setdefault(r["mural_id"], []).append(n)
    for mural_id, rows in by_mural.items():
        mural = Mural.objects.filter(pk=mural_id).first()
        if mural is None:
            raise ReviewError(f"unknown mural {mural_id}")
        try:
            made, embedder_id = embedding.embed_boxes(mural, [results[n]["bbox"] for n in rows])
        except embedding.EmbedError as exc:
            raise ReviewError(str(exc)) from exc
        for n, vector in zip(rows, made, strict=True):
            vectors[n] = (vector, embedder_id)
    return vectors


def queue_proposals(result: dict) -> list[int]:
    """Store a propose() result as `proposal` elements of its category (hidden until accepted,
    with their box's vector, added to FAISS); returns their ids."""
    category = find_category(result["category"])
    vectors = proposal_vectors(result["results"])
    rows = [
        Element(
            mural_id=r["mural_id"],
            x=r["bbox"][0],
            y=r["bbox"][1],
            w=r["bbox"][2],
            h=r["bbox"][3],
            category=category,
            score=r["score"],
            confident=False,
            source=Element.Source.PROPOSAL,
            model_version=f"fewshot-{result['method']}",
            embedding=vector,
            embedder=embedder_id,
        )
        for r, (vector, embedder_id) in zip(result["results"], vectors, strict=True)
    ]
    with transaction.atomic():
        created = Element.objects.bulk_create(rows)
        ids = [e.pk for e in created]
        transaction.on_commit(lambda: embedding.sync_element_vectors(ids))
    return ids
