"""What every management command of the project shares: a refusal, in one line and exit 2, to
run against a database that is not set up (unmigrated, or unreachable)."""

from __future__ import annotations

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
