"""`manage.py bench_search`: the JSON report's shape, exact answers at small N, a filtered query
that still returns k, a loopback load test without errors, and no rows left behind.
(Speed is reported, never asserted.)"""

from __future__ import annotations

import json

import pytest

from dunhuang_search.elements.models import Element
from tests.cli import run_manage

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_reports_faiss_pgvector_filtered_and_api_numbers(isolated_var):
    done = run_manage(
        "bench_search", "--n", "6000", "--pg-n", "3000", "--dim", "64", "--queries", "20",
        "--load-clients", "3", "--load-seconds", "2", "--load-n", "2000", "--json",
        var_dir=isolated_var,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["n"] == 6000 and report["dim"] == 64
    assert report["faiss"]["index"] == "flat-ip" and report["faiss"]["recall_at_10"] == 1.0
    assert report["pgvector"]["n"] == 3000 and report["pgvector"]["uses_index"] is True
    assert 0 < report["pgvector"]["recall_at_10"] <= 1
    filtered = report["filtered"]
    assert filtered["selectivity"] == 0.01 and filtered["returned_k"] == 10
    assert filtered["recall_at_10"] == 1.0  # 30 rows pass: SQL picks them, scored exactly
    api = report["api"]
    assert api["requests"] > 0 and api["errors"] == 0
    assert api["p50_ms"] <= api["p95_ms"] <= api["p99_ms"]
    assert not Element.objects.filter(embedder="bench-synthetic").exists()


def test_bad_sizes_exit_2_with_one_line(isolated_var):
    done = run_manage("bench_search", "--n", "10", var_dir=isolated_var)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
