"""A bounded loopback load test of /api/v1/search/: a dev server on 127.0.0.1, N client threads
for S seconds, latency percentiles. Used by `bench_search --load-clients N`."""

from __future__ import annotations

import http.client
import logging
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
logger = logging.getLogger(__name__)
FIRST_ERROR: list[str] = []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(var_dir: Path) -> dict[str, str]:
    """This process's database, another var folder (the bench's FAISS file)."""
    config = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dunhuang_search.settings",
        "DUNHUANG_VAR_DIR": str(var_dir),
        "DEBUG": "0",
        "LOG_LEVEL": "ERROR",
    }
    if "PGDATA" in config:
        env["DUNHUANG_PGDATA"] = config["PGDATA"]
        env["EMBEDDED_PG_DBNAME"] = config["NAME"]
    return env


def _get(port: int, path: str, timeout: float = 30) -> tuple[int, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200 and not FIRST_ERROR:
            FIRST_ERROR.append(f"{path} -> {response.status}: {body[:300]!r}")
        return response.status, (time.perf_counter() - started) * 1000
    finally:
        conn.close()


def run_load(
    var_dir: Path,
    element_ids: np.ndarray,
    caves: list[int],
    clients: int,
    seconds: float,
    k: int = 10,
    filtered_share: float = 0.2,
    workers: int = 8,
) -> dict:
    """Start the server, warm it up (the first search loads or builds its index), then run
    `clients` threads for `seconds`; a `filtered_share` of the queries filter by one cave."""
    port = _free_port()
    code = (
        "import django; django.setup(); "
        "from dunhuang_search.search.poolserver import serve; "
        f"serve({port}, {workers})"
    )
    server = subprocess.Popen(
        [sys.executable, "-c", code],
        env=server_env(var_dir),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(Path(var_dir) / "server.log", "w"),  # noqa: SIM115 - closed with the folder
        text=True,
    )
    try:
        deadline = time.monotonic() + 600
        warm_path = f"/api/v1/search/?element={int(element_ids[0])}&k={k}"
        while True:
            if server.poll() is not None:
                log = (Path(var_dir) / "server.log").read_text()[-2000:]
                raise RuntimeError(f"the server exited: {log}")
            try:
                status, _ = _get(port, warm_path, timeout=600)
                if status == 200:
                    break
                raise RuntimeError(f"warm-up search answered {status}")
            except (ConnectionRefusedError, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        for _ in range(20):
            _get(port, warm_path)
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        stop_at = time.monotonic() + seconds

        def client(seed: int) -> None:
            rng = random.Random(seed)
            mine, codes = [], {}
            while time.monotonic() < stop_at:
                path = f"/api/v1/search/?element={int(rng.choice(element_ids))}&k={k}"
                if rng.random() < filtered_share:
                    path += f"&cave={rng.choice(caves)}"
                try:
                    status, ms = _get(port, path)
                except OSError:
                    status, ms = 599, 0.0
                codes[status] = codes.get(status, 0) + 1
                if status == 200:
                    mine.append(ms)
            with lock:
                latencies.extend(mine)
                for code, count in codes.items():
                    statuses[code] = statuses.get(code, 0) + count

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    errors_log = (Path(var_dir) / "server.log").read_text()
    if any(code >= 500 for code in statuses):
        lines = [line for line in errors_log.splitlines() if 'HTTP/1.1"' not in line]
        logger.warning("server errors under load:\n%s", "\n".join(lines[-60:]))
    ok = statuses.get(200, 0)
    return {
        "server": f"Django WSGI, {workers} pooled threads (poolserver.py), DEBUG off, 127.0.0.1",
        "clients": clients,
        "seconds": round(elapsed, 1),
        "elements": int(len(element_ids)),
        "filtered_share": filtered_share,
        "requests": sum(statuses.values()),
        "errors": sum(count for code, count in statuses.items() if code != 200),
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
        "first_error": FIRST_ERROR[0] if FIRST_ERROR else None,
        "qps": round(ok / elapsed, 1),
        "p50_ms": round(float(np.percentile(latencies, 50)), 1) if latencies else None,
        "p99_ms": round(float(np.percentile(latencies, 99)), 1) if latencies else None,
    }
