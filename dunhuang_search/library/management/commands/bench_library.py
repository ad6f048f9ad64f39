"""`manage.py bench_library --n N [--cluster-n M] [--dim D] [--queries Q] [--json]`: the library
benchmark on N synthetic elements (deleted afterwards). The last line is JSON: {"n", "stats":
{"p50_ms", "p95_ms"}, "gallery": {"p50_ms", "p95_ms"}, "cluster": {"n", "seconds", "method"},
"matrix": {"n", "seconds"}}."""

from __future__ import annotations

import json

from django.core.management.base import CommandError

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.library.bench import run_bench


class Command(DatabaseCommand):
    help = "Benchmark library stats, gallery, clustering and matrices on synthetic elements."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--n", type=int, required=True, help="synthetic elements to store")
        parser.add_argument("--cluster-n", type=int, default=100_000, help="vectors clustered")
        parser.add_argument("--dim", type=int, default=1280, help="vector dimension")
        parser.add_argument("--queries", type=int, default=40, help="timed requests of each")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--json", action="store_true", help="print JSON as the last line")

    def handle(self, *args, **options) -> None:
        if options["n"] < 600:
            raise CommandError("--n must be at least 600 (the matrix needs 500)", returncode=2)
        if options["queries"] < 2 or options["dim"] < 2 or options["cluster_n"] < 2:
            raise CommandError("--queries, --dim and --cluster-n must be at least 2", returncode=2)

        def say(line: str) -> None:
            if options["verbosity"] >= 1:
                self.stderr.write(line)

        result = run_bench(
            options["n"],
            options["cluster_n"],
            options["dim"],
            options["queries"],
            options["seed"],
            say,
        )
        self.stdout.write(json.dumps(result) if options["json"] else json.dumps(result, indent=2))
