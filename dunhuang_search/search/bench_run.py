"""The stages of `bench_search`, each adding its part to the report: FAISS on N synthetic
vectors (the first M also stored as elements), pgvector HNSW on the stored ones, a filtered
query through the service's own path, and an optional API load test.

The FAISS stage leaves a `Collection` (the queries, the stored vectors and their exact answers)
for the others; its index is freed when it returns, before the load test starts a server.
"""

from __future__ import annotations

import itertools
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np
from django.conf import settings
from django.db import connection
from tqdm import tqdm

from dunhuang_search.catalogue.models import Mural
from indexer.vectors import VectorIndex

from . import bench
from .faiss_service import IvfParams, LoadedIndex, set_search_threads

FILTER_MURALS = 100  # rows are spread over 100 caves: one cave keeps 1%
FILTER_ROW = 0  # rows with row % 100 == 0 are on the first bench mural (one cave)
K = 10

Log = Callable[[str], None]


@dataclass(frozen=True)
class BenchConfig:
    n: int
    pg_n: int
    dim: int
    pca: int = 0
    queries: int = 200
    nprobe: int | None = None
    hnsw: bench.HnswParams = field(default_factory=bench.HnswParams)
    load_clients: int = 0
    load_seconds: float = 30.0
    load_n: int = 100_000
    load_only: bool = False
    seed: int = 1


@dataclass
class Collection:
    """The stored side of the benchmark, as the FAISS stage leaves it."""

    murals: list[Mural]
    queries: np.ndarray  # as stored: PCA-reduced with --pca
    stored: np.ndarray  # the vectors of the stored rows, in row order
    pks: np.ndarray  # their element pks, in row order
    truth_pg: bench.TopK  # exact answers over the stored rows (full dimension)
    truth_filtered: bench.TopK  # ... over the rows of the filter's cave
    truth_reduced: bench.TopK | None  # ... over the reduced vectors (with --pca)

    def row_of(self) -> dict[int, int]:
        return {int(pk): row for row, pk in enumerate(self.pks)}


def run(config: BenchConfig, log: Log) -> dict:
    """Every stage in turn; the caller deletes the stored rows afterwards."""
    murals = bench.bench_murals(FILTER_MURALS)
    report, collection = faiss_stage(config, murals, log)
    if not config.load_only:
        report["pgvector"] = pgvector_stage(config, collection, log)
        report["filtered"] = filtered_stage(config, collection, log)
    if config.load_clients:
        report["api"] = load_stage(config, collection, log)
    return report


def time_queries(search, queries) -> tuple[list[float], list[list[int]]]:
    """Milliseconds and found ids of each query, after five warm-up queries."""
    for q in queries[:5]:
        search(q)  # warm caches and connections
    times, found = [], []
    for q in tqdm(queries, desc="queries", unit="q", leave=False):
        started = time.perf_counter()
        result = search(q)
        times.append((time.perf_counter() - started) * 1000)
        found.append([int(i) for i in result if i >= 0])
    return times, found


# FAISS ----------------------------------------------------------------------------------------


def empty_index(config: BenchConfig, data: bench.SyntheticData, params: IvfParams, log: Log):
    """A flat index below the ANN threshold, else an IVF trained on a sample (as the service)."""
    if config.n < settings.SEARCH_ANN_THRESHOLD:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(config.dim))
    sample_chunks = math.ceil(params.train_size / bench.CHUNK)
    sample = np.concatenate([c for _, c in itertools.islice(data.chunks(config.n), sample_chunks)])
    index = faiss.IndexIVFFlat(
        faiss.IndexFlatIP(config.dim), config.dim, params.nlist, faiss.METRIC_INNER_PRODUCT
    )
    index.cp.niter, index.cp.min_points_per_centroid, index.cp.seed = params.niter, 1, 1234
    log(f"training IVF ({params.nlist} lists) on {params.train_size} vectors…")
    index.train(np.ascontiguousarray(sample[: params.train_size]))
    return index


def fill(config: BenchConfig, data, index, murals: list[Mural], queries) -> tuple:
    """Stream the N vectors into FAISS, the first pg_n into PostgreSQL (COPY), and the exact
    answers over each; returns the seconds spent adding, the truths and the stored vectors."""
    pca = None
    if config.pca:
        pca = faiss.PCAMatrix(config.dim, config.pca)
        pca.train(data.draw(min(config.pg_n, 65_536), stream=10**6))
    reduced = pca.apply(queries) if pca else queries
    truth_all, truth_pg, truth_filtered = (bench.TopK(queries, K) for _ in range(3))
    truth_reduced = bench.TopK(reduced, K) if pca else None
    stored = np.zeros((config.pg_n, config.pca or config.dim), dtype=np.float32)
    add_s = 0.0
    chunks = tqdm(
        data.chunks(config.n), total=math.ceil(config.n / bench.CHUNK), desc="vectors", unit="chunk"
    )
    for start, chunk in chunks:
        t0 = time.perf_counter()
        index.add_with_ids(chunk, np.arange(start, start + len(chunk), dtype=np.int64))
        add_s += time.perf_counter() - t0
        truth_all.update(chunk, start)
        if start >= config.pg_n:
            continue
        part = chunk[: config.pg_n - start]
        rows = np.arange(start, start + len(part))
        truth_pg.update(part, start)
        truth_filtered.update(part, start, rows % FILTER_MURALS == FILTER_ROW)
        kept = pca.apply(part) if pca else part
        if truth_reduced is not None:
            truth_reduced.update(kept, start)
        stored[start : start + len(part)] = kept
        bench.copy_elements(murals, kept, start, lambda row: row % FILTER_MURALS)
    collection = Collection(
        murals, reduced, stored, bench.stored_ids(), truth_pg, truth_filtered, truth_reduced
    )
    return add_s, truth_all, collection


def faiss_stage(config: BenchConfig, murals: list[Mural], log: Log) -> tuple[dict, Collection]:
    """Build FAISS as the search service does, store the first pg_n rows, time FAISS."""
    data = bench.SyntheticData(config.dim, seed=config.seed)
    queries = data.queries(config.queries)
    exact = config.n < settings.SEARCH_ANN_THRESHOLD
    params = IvfParams.for_size(config.n, config.nprobe)
    started = time.perf_counter()
    index = empty_index(config, data, params, log)
    add_s, truth_all, collection = fill(config, data, index, murals, queries)
    build_s = time.perf_counter() - started
    extra = {} if exact else {"nlist": params.nlist, "nprobe": params.nprobe}
    loaded = LoadedIndex(
        bench.BENCH_EMBEDDER, config.dim, config.n, "flat-ip" if exact else "ivf-flat", index, extra
    )
    set_search_threads()  # as the search service runs it
    log("timing FAISS…")
    ms, found = time_queries(lambda q: loaded.search(q[None, :], K)[1][0], queries)
    report = {
        "n": config.n,
        "dim": config.dim,
        "data": data.describe(),
        "faiss": {
            "index": loaded.kind,
            **loaded.params,
            **({"train_size": params.train_size} if not exact else {}),
            "build_s": round(build_s, 1),
            "add_s": round(add_s, 1),
            **bench.percentiles(ms),
            "recall_at_10": bench.recall_at(found, truth_all.ids),
            "queries": len(queries),
            "omp_threads": faiss.omp_get_max_threads(),
        },
    }
    return report, collection


# pgvector and the filtered query ----------------------------------------------------------------


def pgvector_stage(config: BenchConfig, collection: Collection, log: Log) -> dict:
    """pgvector HNSW (a partial expression index) over the stored rows: build time, latency,
    recall against the exact answers, and with --pca what PCA alone costs."""
    stored_dim = collection.stored.shape[1]
    row_of = collection.row_of()
    hnsw = config.hnsw
    log(f"building pgvector HNSW over {config.pg_n} vectors of {stored_dim} dims…")
    build_s = bench.build_hnsw(stored_dim, hnsw)
    uses_index = bench.explain_uses_hnsw(stored_dim)
    log("timing pgvector…")
    ms, found = time_queries(
        lambda q: [row_of[pk] for pk in bench.pgvector_query(q, stored_dim, K, hnsw.ef_search)],
        collection.queries,
    )
    report = {
        "n": config.pg_n,
        "dim": stored_dim,
        "pca": bool(config.pca),
        "index": "hnsw",
        **bench.params_dict(hnsw),
        "uses_index": uses_index,
        "build_s": round(build_s, 1),
        **bench.percentiles(ms),
        "recall_at_10": bench.recall_at(found, collection.truth_pg.ids),
    }
    if collection.truth_reduced is not None:
        # what PCA alone costs: exact search on the reduced vectors against the full ones
        report["pca_exact_recall_at_10"] = bench.recall_at(
            [list(r) for r in collection.truth_reduced.ids], collection.truth_pg.ids
        )
    return report


def index_over(pks: np.ndarray, vectors: np.ndarray) -> LoadedIndex:
    """The stored vectors as the search service would load them (flat, or IVF above the
    threshold)."""
    dim = vectors.shape[1]
    if len(pks) < settings.SEARCH_ANN_THRESHOLD:
        flat = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        flat.add_with_ids(vectors, pks)
        return LoadedIndex(bench.BENCH_EMBEDDER, dim, len(pks), "flat-ip", flat)
    params = IvfParams.for_size(len(pks))
    ivf = bench.ivf_over(pks, vectors, params)
    return LoadedIndex(
        bench.BENCH_EMBEDDER, dim, len(pks), "ivf-flat", ivf, {"nprobe": params.nprobe}
    )


def filtered_stage(config: BenchConfig, collection: Collection, log: Log) -> dict:
    """A query filtered to one cave of 100 (1% of the rows) through similarity.nearest."""
    stored_index = index_over(collection.pks, collection.stored)
    cave = collection.murals[FILTER_ROW].cave.number
    row_of = collection.row_of()
    strategies: set[str] = set()

    def filtered(q):
        found, strategy = bench.filtered_search(stored_index, q, cave, K)
        strategies.add(strategy)
        return [row_of[pk] for pk in found]

    log("timing filtered queries…")
    ms, found = time_queries(filtered, collection.queries)
    kept = int(np.sum(np.arange(config.pg_n) % FILTER_MURALS == FILTER_ROW))
    return {
        "n": config.pg_n,
        "selectivity": round(kept / config.pg_n, 4),
        "strategy": sorted(strategies),
        **bench.percentiles(ms),
        "recall_at_10": bench.recall_at(found, collection.truth_filtered.ids),
        "returned_k": int(min(len(f) for f in found)),
    }


# the API under load -----------------------------------------------------------------------------


def load_stage(config: BenchConfig, collection: Collection, log: Log) -> dict:
    """Keep the first load_n stored rows, write their FAISS file to a scratch var folder, and
    load-test /api/v1/search/ served from it."""
    from .loadtest import LoadTest

    load_n, pks = config.load_n, collection.pks
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS elements_element_bench_hnsw")
        cursor.execute(
            "DELETE FROM elements_element WHERE embedder = %s AND id <> ALL(%s)",
            [bench.BENCH_EMBEDDER, [int(p) for p in pks[:load_n]]],
        )
        # a settled table, as a live site has: otherwise autovacuum cleans up the deleted rows
        # (and their TOASTed vectors) on the same two cores while the clients run
        cursor.execute("VACUUM (ANALYZE) elements_element")
    with tempfile.TemporaryDirectory(prefix="bench-search-") as folder:
        flat = VectorIndex(bench.BENCH_EMBEDDER, collection.stored.shape[1])
        flat.add(pks[:load_n], collection.stored[:load_n], replace=False)
        flat.save(Path(folder) / "vectors" / "elements.faiss")
        del flat
        log(
            f"load test: {config.load_clients} clients for {config.load_seconds} s against "
            f"{load_n} elements…"
        )
        test = LoadTest(Path(folder), pks[:load_n], [m.cave.number for m in collection.murals])
        return test.run(config.load_clients, config.load_seconds)
