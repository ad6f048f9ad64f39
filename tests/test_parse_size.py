"""`dunhuang_search.commands.parse_size`: the one reader of WIDTHxHEIGHT options."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError

from dunhuang_search.commands import parse_size


@pytest.mark.parametrize(
    ("text", "square", "expected"),
    [
        ("4096x3072", False, (4096, 3072)),
        (" 800 X 600 ", False, (800, 600)),
        ("1300×700", False, (1300, 700)),
        ("8192", True, (8192, 8192)),
        ("40000x25000", True, (40000, 25000)),
    ],
)
def test_it_reads_width_and_height(text, square, expected):
    assert parse_size(text, square=square) == expected


@pytest.mark.parametrize(
    ("text", "options", "message"),
    [
        ("4096by3072", {}, "--size must be WIDTHxHEIGHT (e.g. 4096x3072), not '4096by3072'"),
        ("8192", {}, "--size must be WIDTHxHEIGHT"),
        ("big", {"square": True}, "--size must be N or WxH"),
        (None, {"option": "--synthetic-size"}, "--synthetic-size must be WIDTHxHEIGHT"),
        ("100x3072", {"min_side": 256}, "--size 100x3072 is too small: each side needs at least"),
        ("9x9", {"max_side": 8}, "--size 9x9 is too large: at most 8 px a side"),
    ],
)
def test_bad_sizes_are_one_line_errors_with_exit_2(text, options, message):
    with pytest.raises(CommandError) as error:
        parse_size(text, **options)
    assert error.value.returncode == 2
    assert message in str(error.value) and "\n" not in str(error.value)
