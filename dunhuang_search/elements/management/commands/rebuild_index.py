"""`manage.py rebuild_index [--reembed]`: rewrite the FAISS file from pgvector.

--reembed first re-embeds every element with the configured embedder (to switch embedders).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError
from tqdm import tqdm

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.elements.vector_index import rebuild_index, reembed_all
from dunhuang_search.inference import ModelLoadError, build_embedder
from indexer.vectors import IndexMismatch


class Command(DatabaseCommand):
    help = "Rebuild the FAISS index from the vectors stored in PostgreSQL."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reembed",
            action="store_true",
            help=f"re-embed every element with {settings.EMBEDDER} first",
        )

    def handle(self, *args, **options) -> None:
        try:
            embedder = build_embedder()
        except ModelLoadError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["reembed"]:
            with tqdm(desc="re-embedding", unit="crop", disable=None) as bar:

                def report(done: int, total: int) -> None:
                    bar.total = total
                    bar.update(done - bar.n)

                reembed_all(embedder, report)
        try:
            count = rebuild_index(embedder.id, embedder.dim)
        except IndexMismatch as exc:
            raise CommandError(
                f"{exc}; run `python manage.py rebuild_index --reembed`", returncode=2
            ) from exc
        self.stdout.write(
            f"rebuilt {settings.VECTOR_INDEX_PATH}: {count} vectors "
            f"({embedder.id}, {embedder.dim} dims)"
        )
