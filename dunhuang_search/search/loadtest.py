"""A bounded loopback load test of /api/v1/search/: gunicorn on 127.0.0.1 with the project's
configuration (dunhuang_search/gunicorn_conf.py, as `make serve` runs it), N client threads for
S seconds, latency percentiles. Used by `bench_search --load-clients N`.

Each LoadTest keeps its own state (server, port, first error), so runs do not leak into each
other.
"""

from __future__ import annotations

import http.client
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)
WARM_UP_SECONDS = 600


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


class LoadTest:
    """Queries by element (a `filtered_share` of them also by one cave) against gunicorn serving
    the project from var_dir with `processes` gthread workers of `workers` threads each."""

    def __init__(
        self,
        var_dir: Path,
        element_ids: np.ndarray,
        caves: list[int],
        k: int = 10,
        filtered_share: float = 0.2,
        workers: int = 4,
        processes: int = 2,
    ):
        self.var_dir, self.element_ids, self.caves = Path(var_dir), element_ids, caves
        self.k, self.filtered_share, self.workers = k, filtered_share, workers
        self.processes = processes
        self.port = _free_port()
        self.first_error: str | None = None
        self.server: subprocess.Popen | None = None

    @property
    def log_path(self) -> Path:
        return self.var_dir / "server.log"

    def run(self, clients: int, seconds: float) -> dict:
        """Start the server, warm it up, run `clients` threads for `seconds`, stop it."""
        self.start_server()
        try:
            self.warm_up()
            statuses, latencies, elapsed = self.hammer(clients, seconds)
        finally:
            self.stop_server()
        self.log_server_errors(statuses)
        return self.summary(clients, statuses, latencies, elapsed)

    def get(self, path: str, timeout: float = 30) -> tuple[int, float]:
        """One GET: its status and milliseconds; the first non-200 answer is kept."""
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200 and self.first_error is None:
                self.first_error = f"{path} -> {response.status}: {body[:300]!r}"
            return response.status, (time.perf_counter() - started) * 1000
        finally:
            conn.close()

    def start_server(self) -> None:
        env = {
            **server_env(self.var_dir),
            "HOST": f"127.0.0.1:{self.port}",
            "WEB_WORKERS": str(self.processes),
            "WEB_THREADS": str(self.workers),
        }
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with self.log_path.open("w") as log:  # the child keeps its own copy of the descriptor
            self.server = subprocess.Popen(
                [str(gunicorn), "-c", "dunhuang_search/gunicorn_conf.py"],
                env=env,
                cwd=Path(settings.BASE_DIR),
                stdout=subprocess.DEVNULL,
                stderr=log,
                text=True,
            )

    def warm_up(self) -> None:
        """Wait for the first search to answer (it loads or builds the index), then 20 more."""
        deadline = time.monotonic() + WARM_UP_SECONDS
        path = f"/api/v1/search/?element={int(self.element_ids[0])}&k={self.k}"
        while True:
            if self.server.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log_path.read_text()[-2000:]}")
            try:
                status, _ = self.get(path, timeout=WARM_UP_SECONDS)
            except OSError:  # not listening yet
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
                continue
            if status != 200:
                raise RuntimeError(f"warm-up search answered {status}")
            break
        for _ in range(20):
            self.get(path)

    def client(self, seed: int, stop_at: float) -> tuple[Counter, list[float]]:
        rng = random.Random(seed)
        codes: Counter = Counter()
        latencies: list[float] = []
        while time.monotonic() < stop_at:
            path = f"/api/v1/search/?element={int(rng.choice(self.element_ids))}&k={self.k}"
            if rng.random() < self.filtered_share:
                path += f"&cave={rng.choice(self.caves)}"
            try:
                status, ms = self.get(path)
            except OSError:
                status, ms = 599, 0.0
            codes[status] += 1
            if status == 200:
                latencies.append(ms)
        return codes, latencies

    def hammer(self, clients: int, seconds: float) -> tuple[Counter, list[float], float]:
        """`clients` threads querying until `seconds` have passed: statuses, 200 latencies."""
        statuses: Counter = Counter()
        latencies: list[float] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + seconds

        def work(seed: int) -> None:
            codes, mine = self.client(seed, stop_at)
            with lock:
                statuses.update(codes)
                latencies.extend(mine)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return statuses, latencies, time.perf_counter() - started

    def stop_server(self) -> None:
        if self.server is None:
            return
        self.server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            self.server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.server.kill()

    def log_server_errors(self, statuses: Counter) -> None:
        if any(code >= 500 for code in statuses):
            lines = [line for line in self.log_path.read_text().splitlines()
                     if 'HTTP/1.1"' not in line]  # fmt: skip
            logger.warning("server errors under load:\n%s", "\n".join(lines[-60:]))

    def summary(self, clients: int, statuses: Counter, latencies: list[float], elapsed: float):
        ok = statuses.get(200, 0)
        return {
            "server": f"gunicorn, {self.processes} gthread workers x {self.workers} threads, "
            "DEBUG off, 127.0.0.1",
            "clients": clients,
            "seconds": round(elapsed, 1),
            "elements": int(len(self.element_ids)),
            "filtered_share": self.filtered_share,
            "requests": sum(statuses.values()),
            "errors": sum(count for code, count in statuses.items() if code != 200),
            "statuses": {str(code): count for code, count in sorted(statuses.items())},
            "first_error": self.first_error,
            "qps": round(ok / elapsed, 1),
            "p50_ms": round(float(np.percentile(latencies, 50)), 1) if latencies else None,
            "p95_ms": round(float(np.percentile(latencies, 95)), 1) if latencies else None,
            "p99_ms": round(float(np.percentile(latencies, 99)), 1) if latencies else None,
        }
