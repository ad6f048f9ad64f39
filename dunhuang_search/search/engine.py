"""Runs a checked SearchRequest: by example (box, element or uploaded crop), by text, or by
metadata alone, and returns the elements with their scores, best first.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Case, F, FloatField, IntegerField, Q, QuerySet, Value, When, Window
from django.db.models.functions import Coalesce, Floor, RowNumber

from dunhuang_search.catalogue import cache as mural_cache
from dunhuang_search.elements.models import Element
from indexer.vectors import CorruptIndex

from . import faiss_service
from .query import SearchInputError, SearchRequest, SearchUnavailable
from .similarity import Exclusion, nearest
from .text import ParsedText, keyword_matches, parse_text

RRF_K = 60  # reciprocal rank fusion constant (Cormack et al. 2009)
SCORE_BAND = 0.1  # "best fit" interleaves murals among results whose scores are this close
# Example queries by an element: neighbours of the element's own category get this much added
# to their cosine similarity (a soft prior), among PRIOR_WIDEN * k neighbours; the result's score
# is then similarity + prior. 0 turns it off;
# evaluate_search measures both (docs/decisions.md: "Example queries: a category prior").
CATEGORY_PRIOR = 0.0  # measured better, not yet on: docs/decisions.md
PRIOR_WIDEN = 3
SORT_FIELDS = {
    "period": ["mural__period__start_year", "mural__cave__number", "pk"],
    "cave": ["mural__cave__site__name", "mural__cave__number", "mural__wall", "y", "x", "pk"],
    "score": ["score", "pk"],
}


@dataclass
class SearchOutcome:
    request: SearchRequest
    results: list[tuple[Element, float | None]]
    strategy: str
    total: int | None = None  # paginated kinds: matches in all pages
    num_pages: int = 1
    parsed: ParsedText | None = None
    index: dict = field(default_factory=dict)

    def query_dict(self) -> dict:
        data = self.request.as_dict()
        data["strategy"] = self.strategy
        if self.parsed is not None:
            data["parsed"] = self.parsed.as_dict()
        if self.total is not None:
            data.update(total=self.total, num_pages=self.num_pages)
        if self.index:
            data["index"] = self.index
        return data


_embedder = None
_embedder_lock = threading.Lock()


def active_embedder():
    """The configured embedder, loaded once per process; calls are serialised by the caller."""
    global _embedder
    from django.conf import settings

    with _embedder_lock:
        if _embedder is None or getattr(_embedder, "_spec", None) != settings.EMBEDDER:
            from dunhuang_search.inference import ModelLoadError, build_embedder

            try:
                _embedder = build_embedder()
            except ModelLoadError as exc:
                raise SearchInputError("embedder", str(exc)) from exc
            _embedder._spec = settings.EMBEDDER
        return _embedder


def embed_images(images: list[np.ndarray]) -> tuple[np.ndarray, str]:
    embedder = active_embedder()
    with _embedder_lock:
        return embedder.embed_images(images), embedder.id


def embed_box(mural, box: tuple[int, int, int, int]) -> tuple[np.ndarray, str]:
    """The box's crop, read and embedded exactly as the indexer embeds element crops."""
    from indexer.imagery import Pyramid
    from indexer.merging import Detection
    from indexer.pipeline import IndexConfig, crop_with_context

    x, y, w, h = box
    if not mural.pyramid_path.exists():
        raise SearchInputError(
            "example", f"the image pyramid of mural {mural.pk} is missing; re-add the mural"
        )
    crop = crop_with_context(
        Pyramid(mural.pyramid_path),
        Detection(x, y, x + w, y + h, 1.0, 0),
        IndexConfig().context_margin,
    )
    vectors, embedder_id = embed_images([crop])
    return vectors[0], embedder_id


def loaded_index():
    try:
        return faiss_service.service().get()
    except faiss_service.NoIndexError as exc:
        raise SearchInputError("index", str(exc)) from exc
    except CorruptIndex as exc:
        raise SearchUnavailable("index", str(exc)) from exc


def _check_embedder(index, embedder_id: str, param: str) -> None:
    if embedder_id != index.embedder:
        raise SearchInputError(
            param,
            f"the vector index holds {index.embedder} vectors, but this query's vector comes "
            f"from {embedder_id}; run `python manage.py rebuild_index --reembed`",
        )


def _with_relations(queryset: QuerySet[Element]) -> QuerySet[Element]:
    """Result rows with their category; murals (with cave, site and period) come from the
    catalogue's cache (_attached), not from joins in every query."""
    return queryset.select_related("category").defer("embedding")


def _attached(rows: list[Element]) -> list[Element]:
    mural_cache.attach(rows)
    return rows


def _in_order(hits: list[tuple[int, float]]) -> list[tuple[Element, float]]:
    rows = _with_relations(Element.objects.filter(pk__in=[i for i, _ in hits])).in_bulk()
    _attached(list(rows.values()))
    return [(rows[i], score) for i, score in hits if i in rows]


def element_vector(index, element: Element) -> np.ndarray:
    """The query element's vector: read back from the loaded index when it holds the element
    (no query, no parsing of the stored vector), else from the database."""
    _, held = index.vectors_of(np.array([element.pk]))
    if len(held):
        return held[0]
    stored = Element.objects.filter(pk=element.pk, embedder=index.embedder).values_list(
        "embedding", flat=True
    )
    vector = stored.first()
    if vector is None:
        raise SearchInputError(
            "element",
            f"element {element.pk} has no {index.embedder} vector yet; run "
            f"`python manage.py index --mural {element.mural_id}`",
        )
    return np.asarray(vector, dtype=np.float32)


def similar(request: SearchRequest) -> SearchOutcome:
    """Query by example: a drawn box, an existing element, or an uploaded crop."""
    index = loaded_index()
    exclude: Exclusion | None = None
    if request.example:
        vector, embedder_id = embed_box(request.example.mural, request.example.box)
        _check_embedder(index, embedder_id, "example")
        exclude = Exclusion(request.example.mural.pk, tuple(request.example.box))
    elif request.element is not None:
        element = request.element
        vector = element_vector(index, element)
        exclude = Exclusion(element.mural_id, tuple(element.bbox), element.pk)
    else:
        vectors, embedder_id = embed_images([request.image])
        vector = vectors[0]
        _check_embedder(index, embedder_id, "image")
    prior = CATEGORY_PRIOR if request.prior is None else request.prior
    category_id = request.element.category_id if request.element is not None else None
    widen = PRIOR_WIDEN if prior and category_id is not None else 1
    found = nearest(
        index,
        vector,
        request.k * widen,
        request.filters.q(),
        exclude,
        request.filters.narrowing,
        fetch=_with_relations,
    )
    if found.rows is not None:
        results = [(found.rows[pk], score) for pk, score in found.hits]
        _attached([element for element, _ in results])
    else:
        results = _in_order(found.hits)
    if widen > 1:
        results = with_category_prior(results, category_id, prior)
    return SearchOutcome(request, results[: request.k], found.strategy, index=index.describe())


def with_category_prior(results: list, category_id: int, weight: float) -> list:
    """Neighbours re-ranked by similarity plus `weight` for the query's category (stable); the
    score each result shows is that ranking score, so the order is the order of the scores."""
    boosted = [
        (element, score + (weight if element.category_id == category_id else 0.0))
        for element, score in results
    ]
    return sorted(boosted, key=lambda item: -item[1])


def _paginate(request: SearchRequest, queryset: QuerySet, order: list) -> tuple[list, int, int]:
    total = queryset.count()
    num_pages = max(1, math.ceil(total / request.page_size))
    start = (request.page - 1) * request.page_size
    rows = _attached(list(queryset.order_by(*order)[start : start + request.page_size]))
    return rows, total, num_pages


def _order(sort: str, default: str) -> list:
    sort = sort or default
    fields = SORT_FIELDS[sort.lstrip("-")]
    if sort.startswith("-"):
        return [F(fields[0]).desc(nulls_last=True), *(f"-{f}" for f in fields[1:])]
    return [F(fields[0]).asc(nulls_last=True), *fields[1:]]


def best_fit(queryset: QuerySet[Element], text_score: bool = False) -> tuple[QuerySet, list]:
    """The "best fit" order, in the same one query: what a person confirmed first (accepted or
    drawn by hand), then the detector score, then the text match strength (`text_score`), with
    murals interleaved: within a band of scores SCORE_BAND wide, each mural's best comes first,
    then each mural's second best, and so on (a window row number per mural and band)."""
    confirmed = Case(
        When(Q(review_state=Element.Review.ACCEPTED) | Q(source=Element.Source.MANUAL), then=0),
        default=1,
        output_field=IntegerField(),
    )
    score = Coalesce("score", Value(1.0), output_field=FloatField())
    band = Floor(score * Value(1.0 / SCORE_BAND))  # x 10, not / 0.1: 0.3 / 0.1 < 3
    within = [F("_score").desc(), *([F("text_score").desc()] if text_score else []), F("pk").asc()]
    queryset = queryset.annotate(_confirmed=confirmed, _score=score, _band=band).annotate(
        _turn=Window(RowNumber(), partition_by=[F("mural_id"), F("_confirmed"), F("_band")],
                     order_by=within)
    )  # fmt: skip
    return queryset, [F("_confirmed").asc(), F("_band").desc(), F("_turn").asc(), *within]


def browse(request: SearchRequest) -> SearchOutcome:
    """Query by metadata alone: category, period, cave, site, review state; paginated, by
    default in the best-fit order."""
    queryset = _with_relations(Element.objects.shown().filter(request.filters.q()))
    if request.sort:
        order = _order(request.sort, "period")
    else:
        queryset, order = best_fit(queryset)
    rows, total, pages = _paginate(request, queryset, order)
    return SearchOutcome(
        request, [(e, e.score) for e in rows], "browse", total=total, num_pages=pages
    )


def _text_filters(request: SearchRequest, parsed: ParsedText) -> Q:
    q = request.filters.q()
    if parsed.categories:
        q &= Q(category__in=parsed.categories)
    if parsed.periods:
        q &= Q(mural__period__in=parsed.periods)
    if parsed.sites:
        q &= Q(mural__cave__site__in=parsed.sites)
    if parsed.caves:
        q &= Q(mural__cave__number__in=parsed.caves)
    return q


def by_text(request: SearchRequest) -> SearchOutcome:
    """Structured words become filters; the other words are matched by keyword and trigram.
    With a text tower (open_clip), CLIP text-to-image similarity is fused with the keyword
    ranking (reciprocal rank fusion)."""
    parsed = parse_text(request.text)
    condition = _text_filters(request, parsed)
    keyword = keyword_matches(
        _with_relations(Element.objects.shown().filter(condition)), parsed.words
    )
    embedder = _text_embedder()
    if embedder is None:
        if request.sort:
            order = [F("text_score").desc()] if parsed.words else []
            order += _order(request.sort, "period")
        else:
            keyword, order = best_fit(keyword, text_score=bool(parsed.words))
        rows, total, pages = _paginate(request, keyword, order)
        scores = [round(float(e.text_score), 4) if parsed.words else e.score for e in rows]
        return SearchOutcome(
            request,
            list(zip(rows, scores, strict=True)),
            "keyword-trigram",
            total=total,
            num_pages=pages,
            parsed=parsed,
        )
    index = loaded_index()
    with _embedder_lock:
        text_vector = embedder.embed_text([request.text])[0]
    _check_embedder(index, embedder.id, "q")
    semantic = nearest(index, text_vector, request.k, condition, None, True)
    keyword_ids = list(
        keyword.order_by(F("text_score").desc(), "pk").values_list("pk", flat=True)[: request.k]
    )
    fused: dict[int, float] = {}
    for ranking in (keyword_ids, [i for i, _ in semantic.hits]):
        for rank, pk in enumerate(ranking):
            fused[pk] = fused.get(pk, 0.0) + 1.0 / (RRF_K + rank + 1)
    best = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[: request.k]
    return SearchOutcome(
        request,
        _in_order([(pk, round(score, 6)) for pk, score in best]),
        f"clip+keyword ({semantic.strategy})",
        parsed=parsed,
        index=index.describe(),
    )


def _text_embedder():
    """The active embedder if it has a text tower, without loading one that has none."""
    from django.conf import settings

    if not settings.EMBEDDER.startswith("open_clip:"):
        return None
    embedder = active_embedder()
    return embedder if hasattr(embedder, "embed_text") else None


def run_search(request: SearchRequest) -> SearchOutcome:
    if request.kind in ("example", "element", "image"):
        return similar(request)
    if request.kind == "text":
        return by_text(request)
    return browse(request)
