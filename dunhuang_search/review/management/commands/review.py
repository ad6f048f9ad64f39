"""`manage.py review ELEMENT_ID --state accepted|rejected [--category SLUG] [--bbox X,Y,W,H]
--user NAME [--json]`: review one element as a named user, for scripts.

`--undo` restores the state before the element's last review instead. `--json` prints
{"element": {...}, "event": {...}} as the last line. Bad input exits 2 with one line.
"""

from __future__ import annotations

import json

from django.core.management.base import CommandError

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.review import actions
from dunhuang_search.review.serializers import ReviewResultSerializer


class Command(DatabaseCommand):
    help = "Accept, reject, relabel or move one element (or undo its last review) as --user."

    def add_arguments(self, parser) -> None:
        parser.add_argument("element_id", help="the element's id")
        parser.add_argument("--state", help="accepted, rejected (or unreviewed)")
        parser.add_argument("--category", help="relabel to this category slug")
        parser.add_argument("--bbox", help="move the box to X,Y,W,H (mural pixels)")
        parser.add_argument("--ocr-text", help="the inscription's text")
        parser.add_argument("--note", help="a note on the element")
        parser.add_argument(
            "--expect-version", help="refuse if the element is no longer at this version"
        )
        parser.add_argument("--undo", action="store_true", help="undo the last review")
        parser.add_argument("--user", required=True, help="the reviewer's username")
        parser.add_argument("--json", action="store_true", help="print JSON as the last line")

    def handle(self, *args, **options) -> None:
        data = {
            key: options[option]
            for key, option in (
                ("state", "state"),
                ("category", "category"),
                ("bbox", "bbox"),
                ("ocr_text", "ocr_text"),
                ("note", "note"),
            )
            if options[option] is not None
        }
        try:
            if options["undo"]:
                if data:
                    raise actions.ReviewError("--undo takes no other change")
                element, event = actions.undo(
                    options["element_id"], options["user"], options["expect_version"]
                )
            else:
                element, event = actions.apply_review(
                    options["element_id"], options["user"], data, options["expect_version"]
                )
        except actions.ReviewError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        body = ReviewResultSerializer({"element": element, "event": event}).data
        if options["json"]:
            self.stdout.write(json.dumps(body, ensure_ascii=False, default=str))
        else:
            changed = ", ".join(body["event"]["changed"]) or "nothing"
            self.stdout.write(
                f"element {element.pk}: {event.action} by {event.user} ({changed}); "
                f"now {element.review_state}, version {element.version}"
            )
