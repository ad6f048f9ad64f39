"""gunicorn settings for `make serve` and `make demo` (`-c dunhuang_search/gunicorn_conf.py`).

gthread workers: each worker process loads the FAISS service once (it reloads when the file
changes) and answers on several threads, which suits search (NumPy and FAISS release the GIL)
and the IIIF tile reads (pyvips does too). On 2 cores, 2 workers x 4 threads measured best; set
WEB_WORKERS / WEB_THREADS for bigger machines. HOST is the bind address (loopback by default:
production runs behind a reverse proxy that terminates TLS).

OpenBLAS runs one thread per call: the request threads are the parallelism, and a team of BLAS
threads in each of them oversubscribes the cores (a filtered search's 1,000 x 1,280 scoring
took 0.6 ms with the default team and 0.07 ms with one thread, measured on 2 cores). The
environment is read when NumPy loads, in the workers, after this file has run.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

wsgi_app = "dunhuang_search.wsgi:application"
bind = os.environ.get("HOST", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
# A worker takes only as many connections as it has threads. Its connections are then requests in
# progress (gunicorn keeps none alive beyond its threads; the reverse proxy keeps the clients'),
# and a busy worker leaves new connections in the kernel's queue for the next free thread, in
# whichever worker. With the default (1,000) one worker took bursts the other was idle for: p99
# under 20 clients went from 251 to 155-181 ms (docs/decisions.md, "Serving search under load").
worker_connections = int(os.environ.get("WEB_CONNECTIONS", str(threads)))
timeout = int(os.environ.get("WEB_TIMEOUT", "120"))  # a large IIIF region can take seconds
graceful_timeout = 30
keepalive = 5
accesslog = None  # requests are logged by the application, one structured line each
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Load every view module (the URLconf), then hand all that is loaded to gc.freeze(): the
    collector's full passes then walk only what requests create, not Django, DRF, NumPy and
    FAISS each time (170 ms pauses of every thread in a worker, measured under load)."""
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the views)
    gc.freeze()
