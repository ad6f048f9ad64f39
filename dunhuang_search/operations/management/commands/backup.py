"""`manage.py backup OUT [--with-files] [--json]`: a pg_dump of the database and a manifest of
every data file under VAR_DIR with its sha256 (and, with --with-files, the files themselves)."""

from __future__ import annotations

import json

from django.core.management.base import CommandError

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.operations.backups import BackupError, create_backup


class Command(DatabaseCommand):
    help = "Back up the database (pg_dump, custom format) and the manifest of VAR_DIR's files."

    def add_arguments(self, parser) -> None:
        parser.add_argument("out", help="the backup folder to create (must not exist)")
        parser.add_argument(
            "--with-files",
            action="store_true",
            help="copy the data files (pyramids, uploads, derivatives, index...)",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        try:
            report = create_backup(options["out"], with_files=options["with_files"])
        except BackupError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict()))
        else:
            self.stdout.write(
                f"backed up to {report.path}: database {report.dump_bytes} bytes, "
                f"{report.files} files ({report.file_bytes} bytes) in {report.seconds} s"
            )
