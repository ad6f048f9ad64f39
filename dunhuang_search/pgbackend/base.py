"""PostgreSQL backend that starts the embedded server (var/pg) before its first connection."""

from __future__ import annotations

import threading

from django.db.backends.postgresql import base

from dunhuang_search import db

_started: dict[str, db.EmbeddedServer] = {}
_lock = threading.Lock()


def embedded_server_for(settings_dict: dict) -> db.EmbeddedServer:
    pgdata = settings_dict["PGDATA"]
    with _lock:
        server = _started.get(pgdata)
        if server is None or db.running_server(pgdata) is None:
            server = db.start_embedded_server(pgdata)
            if settings_dict.get("NAME"):  # None while Django connects to the maintenance db
                db.ensure_database(server, settings_dict["NAME"], settings_dict["USER"])
            _started[pgdata] = server
        return server


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict:
        server = embedded_server_for(self.settings_dict)
        self.settings_dict["HOST"] = server.host
        self.settings_dict["PORT"] = str(server.port)
        return super().get_connection_params()
