"""`manage.py create_user NAME --role ... [--password-file F] [--token] [--json]`, and the API's
authentication: a token or a session with CSRF, never Basic."""

from __future__ import annotations

import base64
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from rest_framework.authtoken.models import Token

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, READER, STAFF, role_of
from tests.cli import run_manage

pytestmark = pytest.mark.django_db
User = get_user_model()


def create(*args: str) -> dict:
    out = io.StringIO()
    call_command("create_user", *args, "--json", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.mark.parametrize("role", [READER, ARCHAEOLOGIST, STAFF])
def test_it_makes_a_user_of_each_role_with_a_generated_password_shown_once(role):
    record = create("li", "--role", role)
    user = User.objects.get(username="li")
    assert record["id"] == user.pk and record["role"] == role and "token" not in record
    assert len(record["password"]) >= 16 and user.check_password(record["password"])
    assert role_of(user) == role and user.is_staff == (role == STAFF)
    assert user.password != record["password"]  # stored hashed


def test_a_password_file_gives_the_password_and_nothing_is_printed(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("mogao-south-wall-220\n")
    record = create("zhang", "--role", ARCHAEOLOGIST, "--password-file", str(secret))
    assert "password" not in record
    assert User.objects.get(username="zhang").check_password("mogao-south-wall-220")


def test_token_prints_a_token_that_authenticates_the_api(tmp_path):
    record = create("script", "--role", STAFF, "--token")
    assert Token.objects.get(user__username="script").key == record["token"]
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Token {record['token']}"}
    # staff passes the permission check, so the read-only endpoint answers 405, not 401
    assert client.post("/api/v1/murals/", **auth).status_code == 405
    assert client.post("/api/v1/murals/").status_code == 401
    bad = client.get("/api/v1/murals/", HTTP_AUTHORIZATION="Token not-a-token")
    assert bad.status_code == 401 and bad.json()["error"] == "Invalid token."


def test_basic_authentication_is_off(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("mogao-south-wall-220")
    create("basic", "--role", STAFF, "--password-file", str(secret))
    credentials = base64.b64encode(b"basic:mogao-south-wall-220").decode()
    response = Client().post("/api/v1/murals/", HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_a_session_write_needs_the_csrf_token():
    staff = User.objects.create_user("curator", is_staff=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    refused = client.post("/api/v1/murals/")
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]
    client.get("/")  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert client.post("/api/v1/murals/", HTTP_X_CSRFTOKEN=token).status_code == 405


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "admin"], "--role must be one of reader, archaeologist, staff, not 'admin'"),
        (["--role", READER, "--password-file", "/nowhere/pw"], "does not exist"),
        (["--role", READER, "--password-file", "{empty}"], "is empty"),
        (["--role", READER, "--password-file", "{short}"], "the password is refused"),
    ],
)
def test_bad_input_is_exit_2_and_writes_nothing(tmp_path, args, message):
    (tmp_path / "empty").write_text("\n")
    (tmp_path / "short").write_text("abc\n")
    args = [a.format(empty=tmp_path / "empty", short=tmp_path / "short") for a in args]
    with pytest.raises(CommandError, match=message) as refused:
        call_command("create_user", "wu", *args)
    assert refused.value.returncode == 2
    assert not User.objects.filter(username="wu").exists()


def test_an_existing_user_is_refused():
    User.objects.create_user("Wang")
    with pytest.raises(CommandError, match="a user named 'wang' already exists") as refused:
        call_command("create_user", "wang", "--role", READER)
    assert refused.value.returncode == 2
    assert User.objects.count() == 1 and not Group.objects.get(name=READER).user_set.exists()


@pytest.mark.django_db(transaction=True)
def test_the_command_line_exits_2_with_one_line(tmp_path):
    missing = run_manage(
        "create_user",
        "ma",
        "--role",
        READER,
        "--password-file",
        str(tmp_path / "none"),
        var_dir=tmp_path / "var",
    )
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        f"CommandError: the password file {tmp_path / 'none'} does not exist"
    ]
    made = run_manage("create_user", "ma", "--role", READER, "--json", var_dir=tmp_path / "var")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout.strip().splitlines()[-1])["username"] == "ma"
