"""The counts summary (models.ElementCount) checked and rebuilt: its triggers keep it equal to
the elements in every transaction, so drift means someone wrote around them (triggers
disabled, a restore into a schema without them). `rebuild_library_counts` uses these."""

from __future__ import annotations

from django.db import connection, transaction

from .count_triggers import DRIFT, REBUILD
from .models import ElementCount


def drift() -> int:
    """How many summary rows differ from the elements' (missing, extra or wrong counts)."""
    with connection.cursor() as cursor:
        cursor.execute(DRIFT)
        return int(cursor.fetchone()[0])


def rebuild() -> dict:
    """The summary again from the elements, with element writes held off meanwhile (SHARE
    lock: reads go on); returns {"rows", "elements", "drift_before"}."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE elements_element IN SHARE MODE")
        before = drift()
        cursor.execute(REBUILD)
        counted = ElementCount.objects.order_by().values_list("count", flat=True)
        return {"rows": len(counted), "elements": sum(counted), "drift_before": before}
