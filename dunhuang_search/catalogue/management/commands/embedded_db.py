"""`manage.py embedded_db status|start|stop`: the embedded PostgreSQL under var/pg.

Only meaningful when DATABASE_URL is unset.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dunhuang_search import db


class Command(BaseCommand):
    help = "Show, start or stop the embedded PostgreSQL server (used when DATABASE_URL is unset)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["status", "start", "stop"])

    def handle(self, *args, action: str, **options) -> None:
        config = settings.DATABASES["default"]
        if "PGDATA" not in config:
            raise CommandError(
                "DATABASE_URL is set: there is no embedded server to manage", returncode=2
            )
        pgdata = config["PGDATA"]
        if action == "start":
            server = db.start_embedded_server(pgdata)
            db.ensure_database(server, config["NAME"], config["USER"])
            self.stdout.write(f"running: pid {server.pid}, socket {server.host}, data {pgdata}")
        elif action == "stop":
            stopped = db.stop_embedded_server(pgdata)
            self.stdout.write("stopped" if stopped else "not running")
        else:
            server = db.running_server(pgdata)
            if server is None:
                self.stdout.write(f"not running (data {pgdata})")
            else:
                self.stdout.write(f"running: pid {server.pid}, socket {server.host}, data {pgdata}")
