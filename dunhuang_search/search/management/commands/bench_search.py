"""`manage.py bench_search [--n N] [--pg-n M] [--pca D] [--load-clients C] [--json]`.

FAISS (as the search service builds it) on N synthetic vectors, pgvector HNSW on the first M of
them stored as elements, a filtered query keeping 1%, and optionally an API load test. The
stored rows are deleted afterwards. Bad input exits 2.
"""

from __future__ import annotations

import itertools
import json
import math
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np
from django.conf import settings
from django.core.management.base import CommandError
from tqdm import tqdm

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.search import bench
from dunhuang_search.search.faiss_service import IvfParams, LoadedIndex, set_search_threads
from indexer.vectors import VectorIndex

FILTER_MURALS = 100  # rows are spread over 100 caves: one cave keeps 1%


def embedder_dim() -> int:
    from indexer.embedding import EfficientNetLite0Embedder

    if settings.EMBEDDER in ("efficientnet-lite0", EfficientNetLite0Embedder.id):
        return EfficientNetLite0Embedder.dim
    from dunhuang_search.search.engine import active_embedder

    return active_embedder().dim


class Command(DatabaseCommand):
    help = "Benchmark FAISS against pgvector HNSW, filtered search, and the search API."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--n", type=int, default=1_000_000, help="vectors in FAISS")
        parser.add_argument(
            "--pg-n", type=int, default=None, help="vectors stored in pgvector (default 200,000)"
        )
        parser.add_argument("--dim", type=int, default=None, help="default: the embedder's dim")
        parser.add_argument("--pca", type=int, default=0, help="store PCA-reduced vectors")
        parser.add_argument("--queries", type=int, default=200)
        parser.add_argument("--nprobe", type=int, default=None, help="default: the service's")
        parser.add_argument("--hnsw-m", type=int, default=16)
        parser.add_argument("--ef-construction", type=int, default=64)
        parser.add_argument("--ef-search", type=int, default=100)
        parser.add_argument("--load-clients", type=int, default=0, help="API load test clients")
        parser.add_argument("--load-seconds", type=float, default=30.0)
        parser.add_argument("--load-n", type=int, default=100_000, help="elements under load")
        parser.add_argument(
            "--load-only", action="store_true", help="store the vectors, skip to the load test"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--json", action="store_true", help="last line: one JSON object")

    def validate(self, o: dict) -> None:
        def bad(message: str):
            raise CommandError(message, returncode=2)

        if o["n"] < 1000:
            bad("--n must be at least 1000")
        if o["pg_n"] < 1000 or o["pg_n"] > o["n"]:
            bad("--pg-n must be between 1000 and --n")
        if not 10 <= o["queries"] <= 10_000:
            bad("--queries must be between 10 and 10000")
        if o["dim"] < 8:
            bad("--dim must be at least 8")
        if o["pca"] and not 8 <= o["pca"] < o["dim"]:
            bad(f"--pca must be between 8 and the dimension ({o['dim']}), or 0")
        if o["load_clients"] < 0 or o["load_clients"] > 64:
            bad("--load-clients must be between 0 and 64")
        if o["load_clients"] and not 1 <= o["load_seconds"] <= 600:
            bad("--load-seconds must be between 1 and 600")
        if o["load_only"] and not o["load_clients"]:
            bad("--load-only needs --load-clients")
        if o["load_clients"] and not 1000 <= o["load_n"] <= o["pg_n"]:
            bad("--load-n must be between 1000 and --pg-n")

    def handle(self, *args, **o) -> None:
        o["pg_n"] = o["pg_n"] or min(o["n"], 200_000)
        o["dim"] = o["dim"] or embedder_dim()
        self.validate(o)
        bench.delete_bench_rows()
        try:
            report = self.run(o)
        finally:
            bench.delete_bench_rows()
        if o["json"]:
            self.stdout.write(json.dumps(report))
        else:
            self.stdout.write(json.dumps(report, indent=2))

    def log(self, message: str) -> None:
        self.stderr.write(message)

    def run(self, o: dict) -> dict:
        n, pg_n, dim, k = o["n"], o["pg_n"], o["dim"], 10
        data = bench.SyntheticData(dim, seed=o["seed"])
        queries = data.queries(o["queries"])
        exact = n < settings.SEARCH_ANN_THRESHOLD
        params = IvfParams.for_size(n, o["nprobe"])
        murals = bench.bench_murals(FILTER_MURALS)
        filter_row = 0  # rows with row % 100 == 0 are on the first bench mural (one cave)

        # FAISS: train, then stream the vectors in (and the first pg_n into PostgreSQL)
        started = time.perf_counter()
        if exact:
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        else:
            sample_chunks = math.ceil(params.train_size / bench.CHUNK)
            sample = np.concatenate([c for _, c in itertools.islice(data.chunks(n), sample_chunks)])
            index = faiss.IndexIVFFlat(
                faiss.IndexFlatIP(dim), dim, params.nlist, faiss.METRIC_INNER_PRODUCT
            )
            index.cp.niter, index.cp.min_points_per_centroid, index.cp.seed = params.niter, 1, 1234
            self.log(f"training IVF ({params.nlist} lists) on {params.train_size} vectors…")
            index.train(np.ascontiguousarray(sample[: params.train_size]))
            del sample
        pca = None
        stored_dim = o["pca"] or dim
        if o["pca"]:
            pca = faiss.PCAMatrix(dim, o["pca"])
            pca.train(data.draw(min(pg_n, 65_536), stream=10**6))
        truth_all = bench.TopK(queries, k)
        truth_pg = bench.TopK(queries, k)
        truth_filtered = bench.TopK(queries, k)
        reduced_queries = pca.apply(queries) if pca else queries
        truth_reduced = bench.TopK(reduced_queries, k) if pca else None
        stored = np.zeros((pg_n, stored_dim), dtype=np.float32)
        add_s = 0.0
        for start, chunk in tqdm(
            data.chunks(n), total=math.ceil(n / bench.CHUNK), desc="vectors", unit="chunk"
        ):
            t0 = time.perf_counter()
            index.add_with_ids(chunk, np.arange(start, start + len(chunk), dtype=np.int64))
            add_s += time.perf_counter() - t0
            truth_all.update(chunk, start)
            if start < pg_n:
                part = chunk[: pg_n - start]
                rows = np.arange(start, start + len(part))
                truth_pg.update(part, start)
                truth_filtered.update(part, start, rows % FILTER_MURALS == filter_row)
                kept = pca.apply(part) if pca else part
                if truth_reduced is not None:
                    truth_reduced.update(kept, start)
                stored[start : start + len(part)] = kept
                bench.copy_elements(murals, kept, start, lambda row: row % FILTER_MURALS)
        faiss_build_s = time.perf_counter() - started
        loaded = LoadedIndex(
            bench.BENCH_EMBEDDER,
            dim,
            n,
            "flat-ip" if exact else "ivf-flat",
            index,
            {} if exact else {"nlist": params.nlist, "nprobe": params.nprobe},
        )
        set_search_threads()  # as the search service runs it
        self.log("timing FAISS…")
        faiss_ms, faiss_found = self.time_queries(
            lambda q: loaded.search(q[None, :], k)[1][0], queries
        )
        report = {
            "n": n,
            "dim": dim,
            "data": data.describe(),
            "faiss": {
                "index": loaded.kind,
                **loaded.params,
                **({"train_size": params.train_size} if not exact else {}),
                "build_s": round(faiss_build_s, 1),
                "add_s": round(add_s, 1),
                **bench.percentiles(faiss_ms),
                "recall_at_10": bench.recall_at(faiss_found, truth_all.ids),
                "queries": len(queries),
                "omp_threads": faiss.omp_get_max_threads(),
            },
        }

        pks = bench.stored_ids()
        if o["load_only"]:
            index = loaded = None
            report["api"] = self.load_test(o, pks, stored, murals)
            return report

        # pgvector HNSW over the stored rows
        row_of = {int(pk): row for row, pk in enumerate(pks)}
        hnsw = bench.HnswParams(o["hnsw_m"], o["ef_construction"], o["ef_search"])
        self.log(f"building pgvector HNSW over {pg_n} vectors of {stored_dim} dims…")
        build_s = bench.build_hnsw(stored_dim, hnsw)
        uses_index = bench.explain_uses_hnsw(stored_dim)
        self.log("timing pgvector…")
        pg_ms, pg_found = self.time_queries(
            lambda q: [row_of[pk] for pk in bench.pgvector_query(q, stored_dim, k, hnsw.ef_search)],
            reduced_queries,
        )
        report["pgvector"] = {
            "n": pg_n,
            "dim": stored_dim,
            "pca": bool(pca),
            "index": "hnsw",
            **bench.params_dict(hnsw),
            "uses_index": uses_index,
            "build_s": round(build_s, 1),
            **bench.percentiles(pg_ms),
            "recall_at_10": bench.recall_at(pg_found, truth_pg.ids),
        }
        if truth_reduced is not None:
            # what PCA alone costs: exact search on the reduced vectors against the full ones
            report["pgvector"]["pca_exact_recall_at_10"] = bench.recall_at(
                [list(r) for r in truth_reduced.ids], truth_pg.ids
            )

        # a filtered query through the service's own path (one cave of 100: 1% of the rows)
        stored_index = self.index_over(pks, stored)
        cave = murals[filter_row].cave.number
        strategies: set[str] = set()

        def filtered(q):
            found, strategy = bench.filtered_search(stored_index, q, cave, k)
            strategies.add(strategy)
            return [row_of[pk] for pk in found]

        self.log("timing filtered queries…")
        f_ms, f_found = self.time_queries(filtered, reduced_queries)
        kept = int(np.sum(np.arange(pg_n) % FILTER_MURALS == filter_row))
        report["filtered"] = {
            "n": pg_n,
            "selectivity": round(kept / pg_n, 4),
            "strategy": sorted(strategies),
            **bench.percentiles(f_ms),
            "recall_at_10": bench.recall_at(f_found, truth_filtered.ids),
            "returned_k": int(min(len(f) for f in f_found)),
        }
        index = loaded = None  # free the big index before the load test

        if o["load_clients"]:
            report["api"] = self.load_test(o, pks, stored, murals)
        return report

    def time_queries(self, search, queries) -> tuple[list[float], list[list[int]]]:
        for q in queries[:5]:
            search(q)  # warm caches and connections
        times, found = [], []
        for q in tqdm(queries, desc="queries", unit="q", leave=False):
            started = time.perf_counter()
            result = search(q)
            times.append((time.perf_counter() - started) * 1000)
            found.append([int(i) for i in result if i >= 0])
        return times, found

    def index_over(self, pks: np.ndarray, vectors: np.ndarray) -> LoadedIndex:
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

    def load_test(self, o: dict, pks: np.ndarray, stored: np.ndarray, murals) -> dict:
        from django.db import connection

        from dunhuang_search.search.loadtest import run_load

        load_n = o["load_n"]
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS elements_element_bench_hnsw")
            cursor.execute(
                "DELETE FROM elements_element WHERE embedder = %s AND id <> ALL(%s)",
                [bench.BENCH_EMBEDDER, [int(p) for p in pks[:load_n]]],
            )
        with tempfile.TemporaryDirectory(prefix="bench-search-") as folder:
            flat = VectorIndex(bench.BENCH_EMBEDDER, stored.shape[1])
            flat.add(pks[:load_n], stored[:load_n], replace=False)
            flat.save(Path(folder) / "vectors" / "elements.faiss")
            del flat
            self.log(
                f"load test: {o['load_clients']} clients for {o['load_seconds']} s against "
                f"{load_n} elements…"
            )
            return run_load(
                Path(folder),
                pks[:load_n],
                [m.cave.number for m in murals],
                o["load_clients"],
                o["load_seconds"],
            )
