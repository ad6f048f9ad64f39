"""`manage.py rebuild_library_counts [--check] [--json]`: recompute the counts summary the
library facets and charts read (kept by triggers; needed only if they were bypassed).
`--check` changes nothing and exits 1 when the summary has drifted from the elements. The last
line of `--json` is {"rows", "elements", "drift_before"} (rebuild) or {"drift"} (check)."""

from __future__ import annotations

import json

from django.core.management.base import CommandError

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.library import counts


class Command(DatabaseCommand):
    help = "Recompute (or --check) the library's counts summary from the elements."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true", help="report drift, change nothing")
        parser.add_argument("--json", action="store_true", help="print JSON as the last line")

    def handle(self, *args, **options) -> None:
        if options["check"]:
            result = {"drift": counts.drift()}
            text = f"{result['drift']} summary row(s) differ from the elements"
        else:
            result = counts.rebuild()
            text = (
                f"rebuilt {result['rows']} summary rows for {result['elements']} elements "
                f"({result['drift_before']} had drifted)"
            )
        self.stdout.write(json.dumps(result) if options["json"] else text)
        if options["check"] and result["drift"]:
            raise CommandError(
                "the library counts have drifted: run rebuild_library_counts", returncode=1
            )
