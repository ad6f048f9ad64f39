"""Benchmark of the indexer against SAHI on a synthetic mural whose every element is known.

Times our tile loop (detection + merge, then end to end) and SAHI's sliced prediction, each in
a fresh child process (so each peak RSS is its own), and scores both at IoU 0.5 through
pycocotools, as evaluate_detector does.

options.py: what to run; truth.py: the cached mural and scoring against its ground truth;
runs.py: the two timed runs in child processes; report.py: the run and its JSON report.
"""

from __future__ import annotations

from .options import BenchmarkError, BenchOptions
from .report import run_benchmark
from .truth import BenchMural, Box, prepare_mural, score_at_iou

__all__ = [
    "BenchMural",
    "BenchOptions",
    "BenchmarkError",
    "Box",
    "prepare_mural",
    "run_benchmark",
    "score_at_iou",
]
