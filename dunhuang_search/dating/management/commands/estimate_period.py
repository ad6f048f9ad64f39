"""`manage.py estimate_period (--mural ID | --element ID) [--authority NAME] [--k K] [--save]
[--json]`: the dating assistant's estimate, with its evidence.

`--json` prints {"target", "period", "interval", "distribution", "abstained", "evidence",
"inscriptions", ...} as the last line. `--save` keeps it as an assistant Dating (its id is
printed) that staff may accept with `accept_estimate`; the catalogue is never changed here.
Bad input (unknown mural, element or authority) exits 2 with one line, nothing written.
"""

from __future__ import annotations

import json

from django.core.management.base import CommandError

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.dating.assistant import K, estimate
from dunhuang_search.dating.authority import DatingError
from dunhuang_search.dating.records import resolve_target, save_estimate


class Command(DatabaseCommand):
    help = "Estimate the period of a mural or an element from dated neighbours and inscriptions."

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--mural", type=int, metavar="ID")
        target.add_argument("--element", type=int, metavar="ID")
        parser.add_argument("--authority", default=None, help="catalogue (default) or a scholar")
        parser.add_argument("--k", type=int, default=K, help=f"neighbours per element ({K})")
        parser.add_argument("--save", action="store_true", help="keep it as an assistant Dating")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        if options["k"] < 1:
            raise CommandError("--k must be at least 1", returncode=2)
        try:
            mural, element = resolve_target(options["mural"], options["element"])
            result = estimate(mural, element, options["authority"], k=options["k"])
        except DatingError as error:
            raise CommandError(str(error), returncode=2) from error
        if options["save"]:
            result["dating_id"] = save_estimate(mural, element, result).pk
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        if result["abstained"]:
            self.stdout.write(f"insufficient evidence: {result['reason']}")
        else:
            low, high = result["interval"]
            self.stdout.write(f"{result['period']} ({low}–{high}, 80% interval)")
        top = sorted(result["distribution"].items(), key=lambda kv: -kv[1])[:3]
        self.stdout.write("  " + ", ".join(f"{slug} {p:.2f}" for slug, p in top))
        for row in result["inscriptions"]:
            self.stdout.write(f"  inscription {row['element_id']}: {row['text']} → {row['years']}")
        if result["possible_repainting"]:
            groups = "; ".join(
                f"{slug}: elements {', '.join(map(str, ids))}"
                for slug, ids in result["possible_repainting"].items()
            )
            self.stdout.write(f"  possible repainting — {groups}")
        self.stdout.write(f"  {len(result['evidence'])} votes")
        if "dating_id" in result:
            self.stdout.write(f"  saved as dating {result['dating_id']}")
