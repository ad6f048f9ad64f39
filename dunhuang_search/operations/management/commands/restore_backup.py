"""`manage.py restore_backup IN [--force] [--json]`: restore a backup made by `backup` into an
empty database and VAR_DIR (a non-empty one only with --force), after checking every checksum;
then check that the index agrees with the database and every file matches the manifest."""

from __future__ import annotations

import io
import json
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.operations.backups import (
    BackupError,
    mismatched_files,
    read_manifest,
    restore_backup,
)


class Command(DatabaseCommand):
    help = "Restore a backup into an empty database and VAR_DIR, then verify it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("backup", help="a folder written by `manage.py backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database or VAR_DIR that already holds data",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        try:
            report = restore_backup(options["backup"], force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        mismatched = mismatched_files(read_manifest(Path(options["backup"]).resolve()))
        index = io.StringIO()
        try:
            call_command("verify_index", "--json", stdout=index)
            index_ok = True
        except CommandError:
            index_ok = False
        result = {**report.as_dict(), "mismatched_files": mismatched, "index_ok": index_ok}
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(
                f"restored {report.path} in {report.seconds} s: {report.files} files, "
                f"{len(mismatched)} mismatched; index {'agrees' if index_ok else 'DRIFTS'}"
            )
        if mismatched or not index_ok:
            hint = (
                "restore with the backup's files (--with-files)"
                if mismatched
                else ("run `python manage.py rebuild_index`")
            )
            raise CommandError(f"the restore is incomplete: {hint}", returncode=1)
