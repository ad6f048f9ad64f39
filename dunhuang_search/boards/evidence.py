""" "Pin evidence": the dating assistant's strongest vote pairs of a mural put on a board at once.

The estimate is computed again on the server (never taken from the request): its evidence is
sorted strongest first, and the first PAIRS pairs (the target's element and the dated neighbour
that voted for it) become items, each element once, in that order: the target's element with a
caption naming the mural's estimate, the neighbour with its period, cave and similarity. All of
them are added in one transaction, or none.
"""

from __future__ import annotations

from django.db import transaction

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.dating.assistant import estimate
from dunhuang_search.elements.models import Element

from .items import BoardInputError, Box, add_item
from .models import Board, BoardItem

PAIRS = 6


def evidence_pairs(result: dict, pairs: int = PAIRS) -> list[dict]:
    """The estimate's `pairs` strongest evidence rows (the evidence is sorted strongest first)."""
    return list(result.get("evidence") or [])[:pairs]


def _target_kwargs(element: Element) -> dict:
    """add_item's arguments for an element; a dense window is pinned as a region of its mural."""
    if element.source == Element.Source.DENSE:
        return {"mural": element.mural, "box": Box(*element.bbox)}
    return {"element": element}


def _planned(mural: Mural, result: dict, rows: list[dict]) -> list[tuple[Element, str, str]]:
    """(element, caption, note) for each item, the target's elements and their neighbours in the
    order of the pairs, each element once (a target's note lists every pair it is in)."""
    ids = {r["element_id"] for r in rows} | {r["neighbour_id"] for r in rows}
    elements = Element.objects.select_related("mural__cave__site", "mural__period",
                                              "category").in_bulk(ids)  # fmt: skip
    missing = sorted(ids - set(elements))
    if missing:
        raise BoardInputError(f"the evidence's elements {missing} are gone; estimate again")
    period = result.get("period") or "insufficient evidence"
    planned: dict[int, list] = {}
    for rank, row in enumerate(rows, 1):
        target, neighbour = elements[row["element_id"]], elements[row["neighbour_id"]]
        pair = (
            f"pair {rank}: neighbour element {neighbour.pk}, {row['period']}, cave {row['cave']}, "
            f"similarity {row['similarity']:.3f}"
        )
        if target.pk not in planned:
            what = row.get("category") or "element"
            caption = (
                f"Dating evidence: {what} element {target.pk} of mural {mural.pk} "
                f"(estimate: {period})"
            )
            planned[target.pk] = [target, caption, [pair]]
        else:
            planned[target.pk][2].append(pair)
        if neighbour.pk not in planned:
            caption = (
                f"Neighbour of element {target.pk}: {row['period']}, cave {row['cave']}, "
                f"similarity {row['similarity']:.3f}"
            )
            note = (
                f"Dated neighbour voting for {row['period']} in the assistant's estimate of "
                f"mural {mural.pk} (authority: {result.get('authority')})"
            )
            planned[neighbour.pk] = [neighbour, caption, note]
    return [
        (element, caption, "; ".join(note) if isinstance(note, list) else note)
        for element, caption, note in planned.values()
    ]


def pin_evidence(
    board: Board, mural: Mural, authority: str | None = None, pairs: int = PAIRS
) -> list[BoardItem]:
    """Pin the target's strongest `pairs` evidence pairs to `board`, all in one transaction.
    DatingError (an unknown authority) and BoardInputError (no evidence) write nothing."""
    result = estimate(mural, None, authority)
    rows = evidence_pairs(result, pairs)
    if not rows:
        reason = result.get("reason") or "the estimate has no evidence"
        raise BoardInputError(f"no evidence to pin: {reason}")
    with transaction.atomic():
        return [
            add_item(board, caption=caption[:500], note=note, **_target_kwargs(element))
            for element, caption, note in _planned(mural, result, rows)
        ]
