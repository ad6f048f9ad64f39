"""The search benchmark: FAISS (as the search service builds it) against pgvector HNSW on the same
synthetic vectors stored as elements, a filtered query keeping about 1%, and an API load test.

Synthetic vectors are clustered, like crop embeddings (a uniform sphere in 1,280 dims has no
neighbourhoods and no ANN index can be judged on it): each is a cluster centre plus a low-rank
and an isotropic perturbation, L2-normalised. Queries are fresh draws, never stored vectors.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

import faiss
import numpy as np
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from dunhuang_search.catalogue.models import Cave, Mural, Period, Site

from .faiss_service import IvfParams, LoadedIndex, add_in_chunks
from .similarity import nearest

BENCH_EMBEDDER = "bench-synthetic"
BENCH_SITE = "western-thousand-buddha"
BENCH_FIRST_CAVE = 90_001  # caves 90001.. hold the bench murals; deleted after the run
CHUNK = 32_768


@dataclass
class SyntheticData:
    dim: int
    seed: int = 1
    clusters: int = 1000
    rank: int = 48
    low_rank_scale: float = 0.8
    noise_scale: float = 0.45
    centres: np.ndarray = field(init=False, repr=False)
    basis: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        rng = np.random.default_rng(self.seed)
        self.centres = _unit(rng.normal(size=(self.clusters, self.dim)))
        self.basis = _unit(rng.normal(size=(self.rank, self.dim)))

    def describe(self) -> dict:
        return {
            "kind": "clustered",
            "clusters": self.clusters,
            "rank": self.rank,
            "low_rank_scale": self.low_rank_scale,
            "noise_scale": self.noise_scale,
            "seed": self.seed,
        }

    def draw(self, n: int, stream: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, stream])
        labels = rng.integers(0, self.clusters, size=n)
        low = rng.standard_normal((n, self.rank), dtype=np.float32) @ self.basis
        out = self.centres[labels] + low * (self.low_rank_scale / np.sqrt(self.rank))
        out += rng.standard_normal((n, self.dim), dtype=np.float32) * (
            self.noise_scale / np.sqrt(self.dim)
        )
        return _unit(out)

    def chunks(self, n: int) -> Iterator[tuple[int, np.ndarray]]:
        for number, start in enumerate(range(0, n, CHUNK)):
            yield start, self.draw(min(CHUNK, n - start), stream=number + 1)

    def queries(self, n: int) -> np.ndarray:
        return self.draw(n, stream=0)


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


class TopK:
    """Exact top-k by inner product, merged over streamed chunks (ids are row offsets)."""

    def __init__(self, queries: np.ndarray, k: int):
        self.queries, self.k = queries, k
        self.scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        self.ids = np.full((len(queries), k), -1, dtype=np.int64)

    def update(self, chunk: np.ndarray, offset: int, keep: np.ndarray | None = None) -> None:
        if keep is not None:
            rows = np.flatnonzero(keep)
            if not len(rows):
                return
            chunk = chunk[rows]
        scores = self.queries @ chunk.T
        ids = (rows if keep is not None else np.arange(len(chunk))) + offset
        all_scores = np.concatenate([self.scores, scores], axis=1)
        all_ids = np.concatenate([self.ids, np.broadcast_to(ids, scores.shape)], axis=1)
        top = np.argsort(-all_scores, axis=1, kind="stable")[:, : self.k]
        self.scores = np.take_along_axis(all_scores, top, axis=1)
        self.ids = np.take_along_axis(all_ids, top, axis=1)


def recall_at(found: list[list[int]], truth: np.ndarray, k: int = 10) -> float:
    hits = [len(set(f[:k]) & set(t[:k].tolist())) / k for f, t in zip(found, truth, strict=True)]
    return round(float(np.mean(hits)), 4)


def percentiles(ms: list[float]) -> dict:
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
    }


# the stored elements --------------------------------------------------------------------------


def delete_bench_rows() -> None:
    """Remove every row an earlier (or this) run stored, and its index."""
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS elements_element_bench_hnsw")
        cursor.execute("DELETE FROM elements_element WHERE embedder = %s", [BENCH_EMBEDDER])
    murals = Mural.objects.filter(cave__number__gte=BENCH_FIRST_CAVE, cave__site__slug=BENCH_SITE)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM elements_element WHERE mural_id = ANY(%s)",
            [list(murals.values_list("pk", flat=True))],
        )
    murals.delete()
    Cave.objects.filter(number__gte=BENCH_FIRST_CAVE, site__slug=BENCH_SITE).delete()


def bench_murals(count: int) -> list[Mural]:
    """`count` pixel-less murals in caves 90001.. (one per cave), for the stored vectors."""
    site = Site.objects.get(slug=BENCH_SITE)
    period = Period.objects.order_by("start_year").first()
    murals = []
    for i in range(count):
        cave = Cave.objects.create(site=site, number=BENCH_FIRST_CAVE + i, name="bench_search")
        murals.append(
            Mural.objects.create(
                cave=cave,
                period=period,
                wall="bench",
                title="bench_search synthetic (deleted after the run)",
                width=1_000_000,
                height=1_000_000,
                checksum=f"bench-search-{i:06d}",
                source_path="",
                source_format="none",
                source_bytes=0,
                pyramid="",
            )
        )
    return murals


def copy_elements(
    murals: list[Mural], vectors: np.ndarray, first_row: int, mural_of: Callable[[int], int]
) -> None:
    """Append rows first_row.. with these vectors through COPY (binary, pgvector's dumper)."""
    from pgvector.psycopg import register_vector

    connection.ensure_connection()
    register_vector(connection.connection)
    now = timezone.now()
    columns = (
        "mural_id, x, y, w, h, source, model_version, embedder, embedding, review_state, "
        "ocr_text, notes, confident, created_at, updated_at"
    )
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY elements_element ({columns}) FROM STDIN") as copy:
            for i, vector in enumerate(vectors):
                row = first_row + i
                copy.write_row(
                    (
                        murals[mural_of(row)].pk,
                        (row % 1000) * 1000,
                        (row // 1000) % 1000 * 1000,
                        64,
                        64,
                        "detector",
                        f"bench-row-{row}",
                        BENCH_EMBEDDER,
                        vector,
                        "unreviewed",
                        "",
                        "",
                        True,
                        now,
                        now,
                    )
                )


def stored_ids() -> np.ndarray:
    """Element pks of the stored vectors, in row order (model_version = bench-row-N)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM elements_element WHERE embedder = %s "
            "ORDER BY substring(model_version from 11)::int",
            [BENCH_EMBEDDER],
        )
        return np.array([r[0] for r in cursor.fetchall()], dtype=np.int64)


@dataclass
class HnswParams:
    m: int = 16
    ef_construction: int = 64
    ef_search: int = 100


def build_hnsw(dim: int, params: HnswParams) -> float:
    """pgvector HNSW over the bench rows (a partial expression index); returns seconds."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '4GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 2")
        cursor.execute(
            f"CREATE INDEX elements_element_bench_hnsw ON elements_element USING hnsw "
            f"((embedding::vector({dim})) vector_ip_ops) "
            f"WITH (m = {params.m}, ef_construction = {params.ef_construction}) "
            f"WHERE embedder = '{BENCH_EMBEDDER}'"
        )
        cursor.execute("ANALYZE elements_element")
    return time.perf_counter() - started


def pgvector_query(vector: np.ndarray, dim: int, k: int, ef_search: int) -> list[int]:
    literal = "[" + ",".join(f"{v:.7g}" for v in vector) + "]"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL hnsw.ef_search = {int(ef_search)}")
        cursor.execute(
            f"SELECT id FROM elements_element WHERE embedder = %s "
            f"ORDER BY embedding::vector({dim}) <#> %s::vector({dim}) LIMIT %s",
            [BENCH_EMBEDDER, literal, k],
        )
        return [r[0] for r in cursor.fetchall()]


def explain_uses_hnsw(dim: int) -> bool:
    literal = "[" + ",".join(["0"] * dim) + "]"
    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN SELECT id FROM elements_element WHERE embedder = %s "
            f"ORDER BY embedding::vector({dim}) <#> %s::vector({dim}) LIMIT 10",
            [BENCH_EMBEDDER, literal],
        )
        return "elements_element_bench_hnsw" in " ".join(r[0] for r in cursor.fetchall())


def filtered_search(
    index: LoadedIndex, query: np.ndarray, cave: int, k: int
) -> tuple[list[int], str]:
    """The service's own filtered path (similarity.nearest), filter = one cave of the 100."""
    condition = Q(review_state__in=["unreviewed", "accepted"]) & Q(mural__cave__number=cave)
    found = nearest(index, query, k, condition, None, narrowing=True)
    return [pk for pk, _ in found.hits], found.strategy


def ivf_over(ids: np.ndarray, data: np.ndarray, params: IvfParams) -> faiss.IndexIVFFlat:
    dim = data.shape[1]
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, params.nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.niter, ivf.cp.min_points_per_centroid, ivf.cp.seed = params.niter, 1, 1234
    ivf.train(np.ascontiguousarray(data[: params.train_size]))
    add_in_chunks(ivf, ids, data)
    return ivf


def params_dict(params) -> dict:
    return asdict(params)
