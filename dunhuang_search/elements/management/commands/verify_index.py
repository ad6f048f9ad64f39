"""`manage.py verify_index [--json]`: report drift between the FAISS file and PostgreSQL.

Exits 0 when they agree, 1 when they drift (with the command that repairs it).
"""

from __future__ import annotations

import json

from django.core.management.base import CommandError

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.elements.vector_index import verify_index


class Command(DatabaseCommand):
    help = "Check the FAISS index against the element vectors in PostgreSQL."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        drift = verify_index()
        if options["json"]:
            self.stdout.write(json.dumps(drift.as_dict()))
        elif drift.corrupt:
            self.stdout.write(drift.corrupt)
        else:
            self.stdout.write(
                f"FAISS: {drift.faiss_count} vectors ({drift.embedder or 'no index'}); "
                f"PostgreSQL: {drift.database_count}; missing in FAISS: "
                f"{len(drift.missing_in_faiss)}; extra in FAISS: {len(drift.extra_in_faiss)}"
            )
        if not drift.ok:
            hint = "rebuild_index --reembed" if drift.other_embedders else "rebuild_index"
            raise CommandError(f"the index drifts; run `python manage.py {hint}`", returncode=1)
