"""`manage.py bench_search [--n N] [--pg-n M] [--pca D] [--load-clients C] [--json]`.

FAISS (as the search service builds it) on N synthetic vectors, pgvector HNSW on the first M of
them stored as elements, a filtered query keeping 1%, and optionally an API load test. The
stored rows are deleted afterwards. Bad input exits 2.
"""

from __future__ import annotations

import json
from dataclasses import fields

from django.conf import settings
from django.core.management.base import CommandError

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.search import bench, bench_run


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
        names = {f.name for f in fields(bench_run.BenchConfig)} - {"hnsw"}
        config = bench_run.BenchConfig(
            **{name: o[name] for name in names},
            hnsw=bench.HnswParams(o["hnsw_m"], o["ef_construction"], o["ef_search"]),
        )
        bench.delete_bench_rows()
        try:
            report = bench_run.run(config, self.log)
        finally:
            bench.delete_bench_rows()
        if o["json"]:
            self.stdout.write(json.dumps(report))
        else:
            self.stdout.write(json.dumps(report, indent=2))

    def log(self, message: str) -> None:
        self.stderr.write(message)
