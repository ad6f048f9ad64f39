"""Files written whole or not at all, and their sha256.

A write goes to a hidden sibling of its target (same folder, so the rename is atomic), is
fsynced, and is renamed into place only when complete; on any error the sibling is removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def file_sha256(path: str | os.PathLike) -> str:
    """The sha256 of a file's bytes, as hex."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@contextlib.contextmanager
def atomic_write(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a fresh empty file beside `target` to write; on success it becomes `target`.

    The temporary name keeps target's suffix (writers that pick a format by it still do) and
    starts with a dot. Its mode follows the umask, as a file created in place would.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = _fresh_file(target)
    try:
        yield staged
        _fsync(staged)
        os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)
    _fsync(target.parent)


@contextlib.contextmanager
def atomic_folder(
    target: str | os.PathLike, *, replace: bool = False, keep_existing: bool = False
) -> Iterator[Path]:
    """Yield a fresh empty folder beside `target` to fill; on success it becomes `target`.

    Every file in it is fsynced before the rename. A `target` that exists by then is swapped
    out and deleted with `replace`; with `keep_existing` it stays and the new folder is
    dropped (a concurrent writer of the same content finished first). Otherwise renaming onto
    a folder that is not empty raises OSError. The staging folder is `.<name>-<random>`.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        yield staging
        staging.chmod(0o755)  # mkdtemp's 0700 would hide the folder from other users
        for folder, _, names in os.walk(staging):
            for name in names:
                _fsync(Path(folder, name))
        _move_into_place(staging, target, replace, keep_existing)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _fsync(target.parent)


def _move_into_place(staging: Path, target: Path, replace: bool, keep_existing: bool) -> None:
    if replace and target.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        try:
            os.replace(target, retired / target.name)
            os.replace(staging, target)
        finally:
            shutil.rmtree(retired, ignore_errors=True)
        return
    try:
        os.replace(staging, target)
    except OSError:
        if not (keep_existing and target.is_dir()):
            raise


def _fresh_file(target: Path) -> Path:
    while True:
        staged = target.with_name(f".{target.name}-{secrets.token_hex(4)}.partial{target.suffix}")
        try:
            os.close(os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return staged
        except FileExistsError:
            continue


def _fsync(path: Path) -> None:
    """Flush a file's (or a folder's entries') data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
