"""`manage.py accept_estimate DATING_ID [--user NAME]`: staff accept an assistant's estimate of a
mural; its period becomes the catalogue's (Mural.period), recorded as a catalogue dating that
cites the estimate. Bad input exits 2 with one line, nothing written."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.dating.authority import DatingError
from dunhuang_search.dating.models import Dating
from dunhuang_search.dating.records import accept_estimate


class Command(DatabaseCommand):
    help = "Accept an assistant's estimate (a saved Dating) as the mural's catalogue period."

    def add_arguments(self, parser):
        parser.add_argument("dating", type=int, metavar="DATING_ID")
        parser.add_argument("--user", default=None, help="the staff member who accepts it")

    def handle(self, *args, **options):
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None or not user.is_staff:
                raise CommandError(f"--user {options['user']}: no such staff user", returncode=2)
        dating = Dating.objects.select_related("period").filter(pk=options["dating"]).first()
        if dating is None:
            raise CommandError(f"unknown dating {options['dating']}", returncode=2)
        try:
            mural = accept_estimate(dating, user)
        except DatingError as error:
            raise CommandError(str(error), returncode=2) from error
        self.stdout.write(f"mural {mural.pk} is now {mural.period.slug} in the catalogue")
