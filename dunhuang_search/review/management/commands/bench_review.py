"""`manage.py bench_review [--n N] [--repeat R] [--json]`: the review queue's speed.

Makes N unreviewed detections (random scores, the five categories) on one row-only mural,
then times the /review/ page (the view, rendered, as an archaeologist) and one review action
(review.actions.apply_review: accept, with its event), R times each, and deletes everything it
made. Prints p50/p95 in milliseconds; `--json` as the last line.
"""

from __future__ import annotations

import json
import time

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import CommandError
from django.test import RequestFactory
from tqdm import tqdm

from dunhuang_search.accounts.roles import ARCHAEOLOGIST
from dunhuang_search.catalogue.models import Cave, Mural, Period, Site
from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.elements.models import Category, Element
from dunhuang_search.review import actions, views

BENCH_CAVE = 9_999


def percentiles(samples: list[float]) -> dict:
    ms = np.array(samples) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p95_ms": round(float(np.percentile(ms, 95)), 1)}  # fmt: skip


def make_rows(n: int, seed: int = 0) -> tuple[Mural, Cave]:
    cave, _ = Cave.objects.get_or_create(
        site=Site.objects.order_by("pk").first(), number=BENCH_CAVE
    )
    mural = Mural.objects.create(
        cave=cave, wall="bench", period=Period.objects.order_by("pk").first(), width=100_000,
        height=100_000, checksum=f"bench-review-{time.time_ns()}", source_path="/nowhere",
        source_format="none", source_bytes=0, pyramid="bench/none.tif",
    )  # fmt: skip
    categories = list(Category.objects.order_by("pk")[:5])
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0.05, 0.99, n)
    for start in tqdm(range(0, n, 5_000), desc="elements", unit="k rows", disable=n < 20_000):
        rows = [
            Element(mural=mural, x=(i % 900) * 100, y=(i // 900) % 900 * 100, w=80, h=80,
                    category=categories[i % len(categories)], score=float(scores[i]),
                    source=Element.Source.DETECTOR, confident=False, model_version="bench")
            for i in range(start, min(n, start + 5_000))
        ]  # fmt: skip
        Element.objects.bulk_create(rows, batch_size=5_000)
    return mural, cave


class Command(DatabaseCommand):
    help = "Time the /review/ page and one review action on N synthetic unreviewed elements."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--n", type=int, default=100_000, help="unreviewed elements")
        parser.add_argument("--repeat", type=int, default=30, help="timed calls of each")
        parser.add_argument("--json", action="store_true", help="print JSON as the last line")

    def handle(self, *args, **options) -> None:
        n, repeat = options["n"], options["repeat"]
        if not 1 <= n <= 2_000_000 or not 1 <= repeat <= 1_000:
            raise CommandError("--n must be 1 to 2,000,000 and --repeat 1 to 1,000", returncode=2)
        user = get_user_model().objects.create_user(f"bench-review-{time.time_ns()}")
        user.groups.add(Group.objects.get(name=ARCHAEOLOGIST))
        mural, cave = make_rows(n)
        try:
            body = self.measure(user, mural, n, repeat)
        finally:
            Element.objects.filter(mural=mural).delete()  # their events go with them
            mural.delete()
            if not cave.murals.exists():
                cave.delete()
            user.delete()
        self.stdout.write(json.dumps(body) if options["json"] else json.dumps(body, indent=1))

    def measure(self, user, mural: Mural, n: int, repeat: int) -> dict:
        factory = RequestFactory()
        page, action = [], []
        for _ in range(repeat + 1):  # the first call warms caches and is not counted
            request = factory.get("/review/", {"mural": mural.pk})
            request.user = user
            started = time.perf_counter()
            response = views.queue_page(request)
            page.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise CommandError(f"the page answered {response.status_code}", returncode=2)
        targets = list(Element.objects.filter(mural=mural).order_by("?")[: repeat + 1])
        for element in targets:
            started = time.perf_counter()
            actions.apply_review(element.pk, user, {"state": "accepted"}, element.version)
            action.append(time.perf_counter() - started)
        return {
            "n": n,
            "repeat": repeat,
            "queue_page": percentiles(page[1:]),
            "review_action": percentiles(action[1:]),
            "targets": {"queue_page_p95_ms": 150, "review_action_ms": 50},
        }
