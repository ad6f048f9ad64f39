"""A loopback WSGI server with a fixed pool of worker threads, for the search load test.

runserver starts a thread per request, so every request opens a new PostgreSQL connection;
under 20 concurrent clients that exhausts max_connections. Pool threads live on and keep their
connection (CONN_MAX_AGE), as gunicorn's threaded workers would.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer


class PooledWSGIServer(WSGIServer):
    request_queue_size = 256

    def __init__(self, address, workers: int):
        super().__init__(address, WSGIRequestHandler)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wsgi")

    def process_request(self, request, client_address):
        self.pool.submit(self._handle, request, client_address)

    def _handle(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 - reported like socketserver does
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


def serve(port: int, workers: int = 8) -> None:
    """Serve the project on 127.0.0.1:port until killed."""
    server = PooledWSGIServer(("127.0.0.1", port), workers)
    server.set_app(WSGIHandler())
    server.serve_forever()
