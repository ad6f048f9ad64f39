"""`manage.py evaluate_search [--murals N] [--size WxH] [--seed S] [--json]`: search quality on
held-out synthetic murals indexed through the real pipeline (dunhuang_search/search/evaluation.py).

precision@24 of each category query and of the words query of each category's English and
Chinese name, example-query precision@5 and @20, with the active detector's operating
thresholds (the default view) and without them (include_uncertain). Nothing is left behind.
The default seed (1100) is used by no training (100) and no calibration (700) nor by
evaluate_detector's default (900).
"""

from __future__ import annotations

import json

from django.core.management.base import CommandError
from tqdm import tqdm

from dunhuang_search.commands import DatabaseCommand, parse_size
from dunhuang_search.search.evaluation import evaluate_search
from dunhuang_search.training.labels import class_names
from dunhuang_search.training.management.commands.index import ProgressBars, detector_resolver

TARGETS = {"p_at_24": 0.9, "example_p_at_5": 0.9}


class Command(DatabaseCommand):
    help = "Precision of category, words and example searches on held-out synthetic murals."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--murals", type=int, default=3, metavar="N")
        parser.add_argument("--size", default="4096x3072", help="WIDTHxHEIGHT of each mural")
        parser.add_argument("--seed", type=int, default=1100, help="never a training seed")
        parser.add_argument("--runtime", choices=["auto", "torch", "openvino", "onnx"])
        parser.add_argument("--json", action="store_true", help="print one JSON object last")

    def handle(self, *args, **options) -> None:
        if options["murals"] < 1:
            raise CommandError(
                f"--murals must be at least 1, not {options['murals']}", returncode=2
            )
        size = parse_size(options["size"], "--size", min_side=512)
        class_names()  # refuses an empty category table with one line

        resolve = detector_resolver(options["runtime"])
        bars = ProgressBars()
        try:
            record = evaluate_search(
                options["murals"], size, options["seed"], resolve,
                progress=lambda items, **kw: tqdm(items, disable=None, leave=False, **kw),
                index_progress=bars.for_mural,
            )  # fmt: skip
        finally:
            bars.close()
        record["targets"] = _targets(record)
        if not options["json"]:
            self.stdout.write(_summary(record))
        self.stdout.write(json.dumps(record, ensure_ascii=False))


def _targets(record: dict) -> dict:
    # a query with nothing to find and nothing found (p_at_24 None, no truth) is right
    rows = (*record["category"].values(), *record["text"].values())
    pages = [v["p_at_24"] for v in rows if v["p_at_24"] is not None or v["truths"]]
    return {
        "p_at_24>=0.9 everywhere": all(p is not None and p >= 0.9 for p in pages),
        "example_p_at_5>=0.9": (record["example"]["p_at_5"] or 0) >= TARGETS["example_p_at_5"],
    }


def _summary(record: dict) -> str:
    lines = [f"{record['murals']} held-out murals (seed {record['seed']})"]
    for mode in ("thresholds", "no_thresholds"):
        lines.append(f"{mode}:")
        for slug, row in record[mode]["category"].items():
            lines.append(f"  category {slug:<22} p@24 {row['p_at_24']}  ({row['total']} found)")
        for row in record[mode]["text"].values():
            lines.append(f"  words {row['q']!r:<24} p@24 {row['p_at_24']}  ({row['total']} found)")
        ex = record[mode]["example"]
        lines.append(
            f"  example p@5 {ex['p_at_5']}  p@20 {ex['p_at_20']}  ({ex['queries']} queries)"
        )
    return "\n".join(lines)
