"""A selection of elements given as ids ("12,40,41"): the library gallery's selection, sent on
to the review queue, to a board, or back to the gallery as a filter. One parser, so the three
agree on what an id is, on duplicates, and on the limit.
"""

from __future__ import annotations

from collections.abc import Iterable


class SelectionError(ValueError):
    """The selection is malformed or too large; the message says how, for the person."""


def element_ids(raw: str | Iterable[str], limit: int) -> list[int]:
    """Distinct element ids in their given order, from comma-separated text or a list of such
    texts; blanks are skipped. A part that is not an id (ASCII digits only: "²" and "٣" are
    digits to Python, not ids) or more than `limit` distinct ids raise SelectionError."""
    texts = [raw] if isinstance(raw, str) else list(raw)
    parts = [part.strip() for text in texts for part in str(text).split(",")]
    parts = [part for part in parts if part]
    bad = next((part for part in parts if not (part.isascii() and part.isdigit())), None)
    if bad is not None:
        raise SelectionError(f"{bad[:40]!r} is not an element id")
    ids = list(dict.fromkeys(int(part) for part in parts))
    if len(ids) > limit:
        raise SelectionError(f"{len(ids)} elements selected; at most {limit}")
    return ids
