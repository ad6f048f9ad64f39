"""Sign in, sign out, change password, and the user menu in the header."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from dunhuang_search.accounts.roles import ARCHAEOLOGIST
from tests.factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "ochre-and-lapis-220"


@pytest.fixture
def archaeologist():
    user = make_user("wang", password=PASSWORD)
    user.groups.add(Group.objects.get(name=ARCHAEOLOGIST))
    return user


def test_the_login_page_signs_in_and_follows_next(client, archaeologist):
    page = client.get(reverse("accounts:login"), {"next": "/search/"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="id_username"' in html and 'id="id_password"' in html
    assert 'name="next" value="/search/"' in html and "csrfmiddlewaretoken" in html
    response = client.post(
        reverse("accounts:login"), {"username": "wang", "password": PASSWORD, "next": "/search/"}
    )
    assert response.status_code == 302 and response["Location"] == "/search/"
    assert client.session["_auth_user_id"] == str(archaeologist.pk)


def test_a_wrong_password_is_400_with_the_reason_and_no_session(client, archaeologist):
    response = client.post(reverse("accounts:login"), {"username": "wang", "password": "nope"})
    assert response.status_code == 400
    assert "enter a correct username and password" in response.content.decode().lower()
    assert "_auth_user_id" not in client.session


def test_next_never_leaves_the_site(client, archaeologist):
    response = client.post(
        reverse("accounts:login"),
        {"username": "wang", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("catalogue:index")


def test_logout_is_post_only(client, archaeologist):
    client.force_login(archaeologist)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_logout_needs_the_csrf_token(archaeologist):
    client = Client(enforce_csrf_checks=True)
    client.force_login(archaeologist)
    assert client.post(reverse("accounts:logout")).status_code == 403
    assert "_auth_user_id" in client.session


def test_the_password_change_page_needs_a_login(client):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


def test_a_password_change_keeps_the_session_and_the_new_password_works(client, archaeologist):
    client.force_login(archaeologist)
    new = "cinnabar-and-malachite-45"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change_done")
    assert "new password is in use" in client.get(response["Location"]).content.decode()
    archaeologist.refresh_from_db()
    assert archaeologist.check_password(new) and not archaeologist.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"old_password": "wrong", "new_password1": "x" * 12, "new_password2": "x" * 12},
            "old password was entered incorrectly",
        ),
        (
            {"old_password": PASSWORD, "new_password1": "a-long-pass-1", "new_password2": "other"},
            "didn",
        ),
        (
            {"old_password": PASSWORD, "new_password1": "password", "new_password2": "password"},
            "too common",
        ),
    ],
)
def test_a_refused_password_change_is_400_and_changes_nothing(
    client, archaeologist, fields, message
):
    client.force_login(archaeologist)
    response = client.post(reverse("accounts:password_change"), fields)
    assert response.status_code == 400 and message in response.content.decode()
    archaeologist.refresh_from_db()
    assert archaeologist.check_password(PASSWORD)


def test_the_header_offers_sign_in_to_visitors_and_names_the_signed_in_user(client, archaeologist):
    html = client.get("/search/").content.decode()
    assert 'href="/accounts/login/?next=/search/"' in html and "Sign out" not in html
    client.force_login(archaeologist)
    html = client.get("/search/").content.decode()
    assert "Signed in as <strong>wang</strong>" in html and ">archaeologist<" in html
    assert f'action="{reverse("accounts:logout")}"' in html and "Sign in" not in html


def test_the_header_names_the_staff_role(client):
    client.force_login(make_user("curator", staff=True))
    assert '<span class="role">staff</span>' in client.get("/").content.decode()
