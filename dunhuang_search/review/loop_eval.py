"""Measuring review -> training (`manage.py evaluate_review_loop`): does what reviewers fix
make the next detector better?

Synthetic murals of a seed no training, calibration or other benchmark uses are ingested and
indexed with the active detector, through the real pipeline. A reviewer who knows the truth
(the generator's boxes) then goes through every detection of every mural with the review
service, as the queue does: a detection that overlaps a true element (IoU >= 0.5) is accepted,
relabelled where the detector named the wrong category, and redrawn where its box fits loosely
(IoU < 0.8); any other detection is rejected; every true element nothing found is drawn as a
missed one. `train_detector --from-active --compare` then fine-tunes the active detector on
these reviewed murals and scores both on the same held-out reviewed ones (split by mural).
Everything (murals, elements, reviews, the new DetectorModel and its files) is rolled back.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from django.contrib.auth import get_user_model

from dunhuang_search.elements.models import Element
from dunhuang_search.search.evaluation import Truth, index_held_out, scratch_catalogue
from dunhuang_search.training.labels import class_names
from dunhuang_search.training.management.commands import train_detector as training
from indexer.boxes import iou

from . import actions

MATCH_IOU = 0.5  # a detection of a true element (COCO's match)
LOOSE_IOU = 0.8  # a reviewer redraws an accepted box that fits worse than this
REVIEWER = "evaluate-review-loop"


def review_from_truth(truth: Truth, murals, user, progress: Callable | None = None) -> Counter:
    """Review every detection of `murals` against the truth, best score first, and draw what
    was missed; returns the count of each kind of decision."""
    tally: Counter = Counter()
    items = progress(murals, desc="reviewing", unit="mural") if progress else murals
    for mural in items:
        truths = truth.boxes[mural.pk]
        taken = [False] * len(truths)
        found = (
            Element.objects.filter(mural=mural, source=Element.Source.DETECTOR)
            .select_related("category")
            .defer("embedding")
            .order_by("-score", "pk")
        )
        for element in found:
            index = _best_match(element, truths, taken)
            if index is None:
                actions.apply_review(element.pk, user, {"state": "rejected"})
                tally["rejected"] += 1
                continue
            taken[index] = True
            slug, box = truths[index]
            change = {"state": "accepted"}
            if element.category is None or element.category.slug != slug:
                change["category"] = slug
                tally["relabelled"] += 1
            if iou((element.x, element.y, element.w, element.h), box) < LOOSE_IOU:
                change["bbox"] = list(box)
                tally["redrawn"] += 1
            actions.apply_review(element.pk, user, change)
            tally["accepted"] += 1
        for (slug, box), was_found in zip(truths, taken, strict=True):
            if not was_found:
                actions.mark_missed(mural.pk, list(box), slug, user)
                tally["missed_added"] += 1
    return tally


def _best_match(element: Element, truths: list, taken: list[bool]) -> int | None:
    """The untaken true element the detection overlaps most (IoU >= MATCH_IOU), preferring
    the detection's own category; None if there is none."""
    box = (element.x, element.y, element.w, element.h)
    own = element.category.slug if element.category_id else None
    best, best_key = None, None
    for index, (slug, truth_box) in enumerate(truths):
        if taken[index]:
            continue
        overlap = iou(box, truth_box)
        if overlap < MATCH_IOU:
            continue
        key = (slug == own, overlap)
        if best_key is None or key > best_key:
            best, best_key = index, key
    return best


def training_options(murals, **train) -> dict:
    """train_detector's options, as its own parser fills them, for a --from-active --compare
    run on these murals only; `train` holds epochs, batch, device, val_fraction, optimizer
    and lr0 (a step every batch: nbs = batch)."""
    parser = training.Command().create_parser("manage.py", "train_detector")
    argv = ["--from-active", "--compare", "--name", REVIEWER, "--nbs", str(train["batch"])]
    for key in ("epochs", "batch", "device", "val_fraction", "optimizer", "lr0"):
        argv += [f"--{key.replace('_', '-')}", str(train[key])]
    options = vars(parser.parse_args(argv))
    options["murals"] = list(murals)
    return options


def evaluate_review_loop(
    murals: int,
    size: tuple[int, int],
    seed: int,
    resolve: Callable,
    train: dict,
    progress: Callable | None = None,
    index_progress: Callable | None = None,
) -> dict:
    """The benchmark record. `resolve()` gives the active detector as the index command uses
    it; `train` holds the fine-tuning's options (training_options)."""
    with scratch_catalogue(
        "evaluate-review-loop-", DATASETS_DIR="datasets", DETECTOR_MODELS_DIR="models"
    ) as folder:
        truth, rows = index_held_out(
            folder, murals, size, seed, resolve, (progress, index_progress),
            title="evaluate_review_loop",
        )  # fmt: skip
        found = Element.objects.filter(mural__in=rows, source=Element.Source.DETECTOR).count()
        user = get_user_model().objects.create(username=REVIEWER)
        started = time.perf_counter()
        tally = review_from_truth(truth, rows, user, progress)
        review_seconds = time.perf_counter() - started
        class_names()  # the detector's classes must be the categories
        started = time.perf_counter()
        record = training.train_detector(training_options(rows, **train))
        comparison = record["comparison"]
        return {
            "murals": len(rows),
            "size": f"{size[0]}x{size[1]}",
            "seed": seed,
            "truths": sum(len(boxes) for boxes in truth.boxes.values()),
            "detections": found,
            "reviews": dict(sorted(tally.items())),
            "review_seconds": round(review_seconds, 1),
            "train_seconds": round(time.perf_counter() - started, 1),
            "epochs": train["epochs"],
            "held_out": comparison["murals"],
            "held_out_boxes": comparison["boxes"],
            "before": _scores(comparison["active"]),
            "after": _scores(comparison["new"]),
            "better": comparison["better"],
        }


def _scores(side: dict) -> dict:
    per = {
        slug: {key: row[key] for key in ("ap50_95", "ap50")} if row else None
        for slug, row in side["per_category"].items()  # None: none held out
    }
    return {
        "detector": side["name"],
        "map50_95": side["map50_95"],
        "map50": side["map50"],
        "ar": side["ar"],
        "per_category": per,
    }
