"""`manage.py create_user NAME --role reader|archaeologist|staff [--password-file F] [--token]
[--json]`.

Without --password-file a password is generated and printed once (it is stored only hashed).
--token also makes a DRF token for scripts (`Authorization: Token ...`) and prints it. A
missing or empty password file, a password the validators refuse, an existing user or an
unknown role exits 2 with one line, and nothing is written.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from dunhuang_search.accounts.roles import ROLES, STAFF
from dunhuang_search.commands import DatabaseCommand


def fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def read_password_file(path: str) -> str:
    """The file's first line (a trailing newline is not part of the password)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail(f"the password file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"the password file {path} cannot be read: {exc}") from None
    lines = text.splitlines()
    password = lines[0] if lines else ""
    if not password.strip():
        raise fail(f"the password file {path} is empty")
    return password


def make_user(name: str, role: str, password: str, with_token: bool):
    """The user with `role`'s group (staff: is_staff) and, if asked, a token; one transaction."""
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.create_user(name, password=password, is_staff=role == STAFF)
        if role != STAFF:  # staff is the is_staff flag, which holds every lower role
            user.groups.add(Group.objects.get(name=role))
        token = Token.objects.create(user=user).key if with_token else None
    return user, token


class Command(DatabaseCommand):
    help = "Create a user with a role; prints a generated password once (and a token)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument("--role", required=True, help=f"one of {', '.join(ROLES)}")
        parser.add_argument("--password-file", help="read the password from this file's first line")
        parser.add_argument("--token", action="store_true", help="also make an API token")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options) -> None:
        name, role = options["name"].strip(), options["role"]
        if role not in ROLES:
            raise fail(f"--role must be one of {', '.join(ROLES)}, not {role!r}")
        User = get_user_model()
        if not name:
            raise fail("the user name is empty")
        if User.objects.filter(username__iexact=name).exists():
            raise fail(f"a user named {name!r} already exists")
        generated = options["password_file"] is None
        if generated:
            password = secrets.token_urlsafe(15)
        else:
            password = read_password_file(options["password_file"])
        try:
            validate_password(password, User(username=name))
        except ValidationError as exc:
            raise fail(f"the password is refused: {' '.join(exc.messages)}") from None
        try:
            user, token = make_user(name, role, password, options["token"])
        except IntegrityError:  # made by someone else since the check above
            raise fail(f"a user named {name!r} already exists") from None
        record = {"id": user.pk, "username": user.username, "role": role}
        if generated:
            record["password"] = password
        if token:
            record["token"] = token
        if options["json"]:
            self.stdout.write(json.dumps(record))
            return
        self.stdout.write(f"created {role} {user.username!r} (id {user.pk})")
        if generated:
            self.stdout.write(f"password (shown once, keep it safe): {password}")
        if token:
            self.stdout.write(f"API token: {token}")
