"""The one parser of element selections ("12,40,41") that the gallery, the review queue and
the boards share."""

from __future__ import annotations

import pytest

from dunhuang_search.elements.selection import SelectionError, element_ids


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12,40,41", [12, 40, 41]),
        (" 41 , 12,,41 ", [41, 12]),  # order kept, blanks and repeats dropped
        (["3,1", "2", "1"], [3, 1, 2]),  # repeated query keys
        ("007,7", [7]),  # the same id however it is written
        ("", []),
    ],
)
def test_it_reads_distinct_ids_in_order(raw, expected):
    assert element_ids(raw, limit=10) == expected


@pytest.mark.parametrize("bad", ["1,two", "-3", "1.5", "²", "٣", "1 2"])
def test_anything_but_ascii_digits_is_refused_by_name(bad):
    with pytest.raises(SelectionError, match="is not an element id"):
        element_ids(bad, limit=10)


def test_the_limit_counts_distinct_ids():
    assert element_ids(",".join(["5"] * 50 + ["6"]), limit=2) == [5, 6]
    with pytest.raises(SelectionError, match="3 elements selected; at most 2"):
        element_ids("1,2,3", limit=2)
