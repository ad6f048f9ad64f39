"""`/detectors/`: the registered detectors, their metrics, operating thresholds and comparison
with the model that was active when they were trained, and which one the indexer uses.
Staff only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dunhuang_search.accounts.roles import STAFF, role_required

from .models import DetectorModel
from .registry import active_detector

METRIC_KEYS = ("mAP50-95", "mAP50", "precision", "recall")


def _row(model: DetectorModel) -> dict:
    comparison = (model.metrics or {}).get("comparison")
    return {
        "model": model,
        "metrics": [(k, model.metrics[k]) for k in METRIC_KEYS if k in (model.metrics or {})],
        "thresholds": sorted((model.thresholds or {}).items()),
        "calibration": (model.parameters or {}).get("calibration"),
        "comparison": comparison,
        "source": (model.parameters or {}).get("source", ""),
        "from_active": (model.parameters or {}).get("from_active", ""),
    }


@require_GET
@role_required(STAFF)
def detector_list(request: HttpRequest) -> HttpResponse:
    models = list(DetectorModel.objects.order_by("-created_at"))
    fallback = None if any(m.is_active for m in models) else active_detector()
    return render(
        request,
        "training/detectors.html",
        {"rows": [_row(m) for m in models], "fallback": fallback},
    )
