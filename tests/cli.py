"""Run manage.py in a subprocess against the test database, for exit codes and stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def manage_env(var_dir: Path) -> dict[str, str]:
    """Environment for a child manage.py that uses this test's database and var folder."""
    config = connection.settings_dict
    env = {**os.environ, "DUNHUANG_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"}
    if "PGDATA" in config:
        env["DUNHUANG_PGDATA"] = config["PGDATA"]
        env["EMBEDDED_PG_DBNAME"] = config["NAME"]
    else:
        user, password = config["USER"], config["PASSWORD"]
        auth = f"{user}:{password}@" if password else f"{user}@"
        env["DATABASE_URL"] = (
            f"postgres://{auth}{config['HOST']}:{config['PORT'] or 5432}/{config['NAME']}"
        )
    return env


def run_manage(
    *args: str, var_dir: Path, timeout: float = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env={**manage_env(var_dir), **(env or {})},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
