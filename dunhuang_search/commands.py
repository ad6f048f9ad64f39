"""What every management command of the project shares: a refusal, in one line and exit 2, to
run against a database that is not set up (unmigrated, or unreachable), and option parsing."""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

NOT_SET_UP = "the database is not set up: run `make setup` (or `python manage.py migrate`)"


def check_schema(alias: str = DEFAULT_DB_ALIAS) -> None:
    """Raise a one-line CommandError (exit 2) unless every migration is applied on alias."""
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connections[alias])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CommandError(f"cannot reach the database: {first}", returncode=2) from exc
    if plan:
        raise CommandError(NOT_SET_UP, returncode=2)


class DatabaseCommand(BaseCommand):
    """A command that reads or writes the catalogue: it checks the schema before it starts."""

    requires_migrations_checks = True

    def check_migrations(self) -> None:  # Django only warns; these commands would crash
        check_schema()


def parse_size(
    text: str | None,
    option: str = "--size",
    *,
    square: bool = False,
    min_side: int = 1,
    max_side: int | None = None,
) -> tuple[int, int]:
    """`WIDTHxHEIGHT` (x, X or ×) as two ints; with `square`, a lone `N` means N x N.

    Bad text, or a side outside [min_side, max_side], is a one-line CommandError (exit 2).
    """
    pattern = r"\s*(\d+)\s*(?:[xX×]\s*(\d+)\s*)?" if square else r"\s*(\d+)\s*[xX×]\s*(\d+)\s*"
    match = re.fullmatch(pattern, text or "")
    if not match:
        shape = "N or WxH" if square else "WIDTHxHEIGHT"
        raise CommandError(f"{option} must be {shape} (e.g. 4096x3072), not {text!r}", returncode=2)
    width = int(match[1])
    height = int(match[2] or width)
    if min(width, height) < min_side:
        raise CommandError(
            f"{option} {width}x{height} is too small: each side needs at least {min_side} px",
            returncode=2,
        )
    if max_side is not None and max(width, height) > max_side:
        raise CommandError(
            f"{option} {width}x{height} is too large: at most {max_side} px a side", returncode=2
        )
    return width, height
