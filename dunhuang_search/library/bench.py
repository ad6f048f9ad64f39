"""bench_library: N synthetic elements (rows through COPY, spread over bench murals in caves
95001.. of every period and five walls; vectors for the first `cluster_n`), then the stats
query and the gallery page with two facets set (p50/p95 over random facet values), clustering
of `cluster_n` vectors and a 500-element matrix. Every row it made is deleted afterwards."""

from __future__ import annotations

import time

import numpy as np
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone
from psycopg import sql

from dunhuang_search.catalogue.models import Cave, Mural, Period, Site
from dunhuang_search.elements.models import Category
from indexer.motif_clusters import cluster_vectors

from .api_views import LibraryStatsView
from .filters import LibraryFilter
from .matrix import MATRIX_MAX, fetch_vectors, selection_matrix
from .views import gallery

BENCH_EMBEDDER = "bench-library"
BENCH_SITE = "western-thousand-buddha"
FIRST_CAVE = 95_001
WALLS = ("south", "north", "east", "west", "ceiling")
CATEGORY = "apsara"

COPY_COLUMNS = (
    "mural_id", "x", "y", "w", "h", "category_id", "score", "source", "model_version",
    "embedder", "embedding", "review_state", "ocr_text", "notes", "confident", "created_at",
    "updated_at",
)


def delete_rows() -> None:
    murals = list(
        Mural.objects.filter(cave__number__gte=FIRST_CAVE, cave__site__slug=BENCH_SITE).values_list(
            "pk", flat=True
        )
    )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM elements_element WHERE mural_id = ANY(%s)", [murals])
    Mural.objects.filter(pk__in=murals).delete()
    Cave.objects.filter(number__gte=FIRST_CAVE, site__slug=BENCH_SITE).delete()


def make_murals(count: int) -> list[Mural]:
    site = Site.objects.get(slug=BENCH_SITE)
    periods = list(Period.objects.order_by("start_year"))
    murals = []
    for i in range(count):
        cave, _ = Cave.objects.get_or_create(site=site, number=FIRST_CAVE + i // len(WALLS))
        murals.append(
            Mural.objects.create(
                cave=cave,
                period=periods[(i // len(WALLS)) % len(periods)],
                wall=WALLS[i % len(WALLS)],
                title="bench_library (deleted after the run)",
                width=1_000_000,
                height=1_000_000,
                checksum=f"bench-library-{i:06d}",
                source_path="",
                source_format="none",
                source_bytes=0,
                pyramid="",
            )
        )
    return murals


def copy_rows(murals: list[Mural], n: int, vectors: np.ndarray, seed: int) -> None:
    from pgvector.psycopg import register_vector

    connection.ensure_connection()
    register_vector(connection.connection)
    rng = np.random.default_rng(seed)
    mural_of = rng.integers(0, len(murals), size=n)
    scores = rng.uniform(0.25, 1.0, size=n)
    review = rng.random(n) < 0.2
    category = Category.objects.get(slug=CATEGORY).pk
    now = timezone.now()
    columns = sql.SQL(", ").join(map(sql.Identifier, COPY_COLUMNS))
    statement = sql.SQL("COPY elements_element ({}) FROM STDIN").format(columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(statement) as copy:
            for i in range(n):
                vector = vectors[i] if i < len(vectors) else None
                copy.write_row(
                    (
                        murals[mural_of[i]].pk,
                        (i % 1000) * 900,
                        (i // 1000) % 1000 * 900,
                        64,
                        64,
                        category,
                        float(scores[i]),
                        "detector",
                        "bench-v1",
                        BENCH_EMBEDDER,
                        vector,
                        "accepted" if review[i] else "unreviewed",
                        "",
                        "",
                        True,
                        now,
                        now,
                    )
                )
        cursor.execute("ANALYZE elements_element")


def clustered_vectors(n: int, dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(2, n // 200), dim)).astype(np.float32)
    x = centres[rng.integers(0, len(centres), size=n)] + 0.6 * rng.normal(size=(n, dim)).astype(
        np.float32
    )
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _percentiles(ms: list[float]) -> dict:
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
    }


def _two_facets(rng, periods: list[str]) -> dict:
    return {"site": BENCH_SITE, "period": str(rng.choice(periods))}


def time_requests(queries: int, seed: int) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    periods = list(Period.objects.values_list("slug", flat=True))
    factory = RequestFactory()
    stats_view = LibraryStatsView.as_view()
    stats_ms, gallery_ms, by_score_ms = [], [], []
    for _ in range(queries):
        params = _two_facets(rng, periods)
        start = time.perf_counter()
        response = stats_view(
            factory.get(f"/api/v1/library/{CATEGORY}/stats/", params), category=CATEGORY
        )
        response.render()
        stats_ms.append((time.perf_counter() - start) * 1000)
        for sort, times in (("period", gallery_ms), ("score", by_score_ms)):
            start = time.perf_counter()  # the default sort (what a visitor sees first), by score
            request = factory.get(
                f"/library/{CATEGORY}/", {**_two_facets(rng, periods), "sort": sort}
            )
            request.user = AnonymousUser()
            gallery(request, CATEGORY)
            times.append((time.perf_counter() - start) * 1000)
    return _percentiles(stats_ms), _percentiles(gallery_ms), _percentiles(by_score_ms)


def run_bench(n: int, cluster_n: int, dim: int, queries: int, seed: int, say=print) -> dict:
    delete_rows()
    cluster_n = min(cluster_n, n)
    try:
        vectors = clustered_vectors(min(n, max(cluster_n, MATRIX_MAX)), dim, seed)
        murals = make_murals(250)
        start = time.perf_counter()
        copy_rows(murals, n, vectors, seed)
        say(f"stored {n} rows in {time.perf_counter() - start:.1f} s")
        stats, gallery_times, by_score = time_requests(queries, seed)
        say("timed stats and gallery")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM elements_element WHERE embedder = %s AND embedding IS NOT NULL "
                "ORDER BY id",
                [BENCH_EMBEDDER],
            )
            with_vectors = [r[0] for r in cursor.fetchall()]
        start = time.perf_counter()  # read from PostgreSQL and cluster, as cluster_elements does
        stored = np.concatenate(
            [fetch_vectors(with_vectors[i : i + 20_000]) for i in range(0, cluster_n, 20_000)]
        )[:cluster_n]
        clusters = cluster_vectors(stored, method="faiss-kmeans")
        cluster_seconds = time.perf_counter() - start
        say(f"clustered {cluster_n} in {cluster_seconds:.1f} s ({len(clusters.groups)} groups)")
        ids = with_vectors[:MATRIX_MAX]
        flt = LibraryFilter.parse(CATEGORY, {"ids": ",".join(map(str, ids))})
        start = time.perf_counter()
        selection_matrix(flt)
        matrix_seconds = time.perf_counter() - start
    finally:
        delete_rows()
    return {
        "n": n,
        "stats": stats,
        "gallery": gallery_times,
        "gallery_by_score": by_score,
        "cluster": {
            "n": cluster_n,
            "dim": dim,
            "seconds": round(cluster_seconds, 2),
            "method": "faiss-kmeans",
        },
        "matrix": {"n": len(ids), "seconds": round(matrix_seconds, 3)},
    }
