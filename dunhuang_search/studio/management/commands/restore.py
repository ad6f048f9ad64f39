"""`manage.py restore --mural ID (--region X,Y,W,H | --element ID) --mask PATH --method M
[--model NAME] [--seed N] [--user NAME] [--json]`: restore a region of a mural into a new
derivative (the original is only read). Prints {"derivative_id", "iiif", "method", "model",
"seconds"}; bad input exits 2 with one line and writes nothing.
"""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.urls import reverse
from tqdm import tqdm

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, has_role
from dunhuang_search.catalogue.models import Mural
from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.elements.models import Element
from dunhuang_search.studio.restoring import RegionRequest, parse_region, restore_to_derivative
from indexer.restoration import METHODS, RestorationError, read_mask


class ProgressBar:
    """tqdm on stderr, opened when the work starts (a refusal prints one line only)."""

    def __init__(self):
        self.bar = None

    def __call__(self, phase: str, fraction: float) -> None:
        if self.bar is None:
            self.bar = tqdm(total=100, unit="%", desc="restoring", leave=False)
        self.bar.set_description(phase)
        self.bar.update(max(0, round(fraction * 100) - self.bar.n))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def bad(message: str) -> CommandError:
    return CommandError(message, returncode=2)


class Command(DatabaseCommand):
    help = __doc__

    def add_arguments(self, parser) -> None:
        parser.add_argument("--mural", type=int, help="the mural's id")
        parser.add_argument("--region", help="X,Y,W,H in full-resolution mural pixels")
        parser.add_argument("--element", type=int, help="restore this element's box instead")
        parser.add_argument("--mask", required=True, help="8-bit PNG of the region's size")
        parser.add_argument("--method", required=True, help=", ".join(sorted(METHODS)))
        parser.add_argument("--model", help="a registered inpainter name or a model file")
        parser.add_argument("--seed", type=int, help="seed for randomised methods")
        parser.add_argument("--user", help="the author (an archaeologist)")
        parser.add_argument("--json", action="store_true", help="print one JSON object last")

    def source(self, options) -> tuple[Mural, tuple, Element | None]:
        element = None
        if options["element"] is not None:
            element = Element.objects.select_related("mural").filter(pk=options["element"]).first()
            if element is None:
                raise bad(f"no element with id {options['element']}")
            if options["mural"] is not None and options["mural"] != element.mural_id:
                raise bad(
                    f"element {element.pk} is on mural {element.mural_id}, not {options['mural']}"
                )
            mural = element.mural
            box = tuple(element.bbox) if not options["region"] else None
        else:
            if options["mural"] is None or not options["region"]:
                raise bad("give --mural ID and --region X,Y,W,H (or --element ID)")
            mural = Mural.objects.filter(pk=options["mural"]).first()
            if mural is None:
                raise bad(f"no mural with id {options['mural']}")
            box = None
        if box is None:
            box = parse_region(options["region"])
        return mural, box, element

    def author(self, username: str | None):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise bad(f"no user named {username!r}")
        if not has_role(user, ARCHAEOLOGIST):
            raise bad(f"{username} is not an archaeologist: restoring needs that role")
        return user

    def handle(self, *args, **options) -> None:
        bar = ProgressBar()
        try:
            mural, box, element = self.source(options)
            mask = read_mask(options["mask"], (box[3], box[2]))
            row = restore_to_derivative(
                RegionRequest(
                    mural=mural,
                    box=box,
                    mask=mask,
                    method=options["method"],
                    element=element,
                    model=options["model"],
                    author=self.author(options["user"]),
                    seed=options["seed"],
                    mask_origin={"kind": "file", "name": options["mask"]},
                ),
                progress=bar,
            )
        except RestorationError as exc:
            raise bad(str(exc)) from exc
        finally:
            bar.close()
        record = {
            "derivative_id": row.pk,
            "iiif": reverse("studio:iiif_base", args=[row.pk]),
            "method": row.method,
            "model": {"name": row.model_name, "sha256": row.model_sha256}
            if row.model_name
            else None,
            "seconds": row.seconds,
        }
        if options["json"]:
            self.stdout.write(json.dumps(record))
        else:
            self.stdout.write(
                f"derivative {row.pk} ({row.method}, {row.seconds:.2f} s): {record['iiif']}"
            )
