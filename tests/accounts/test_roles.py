"""Roles: readers (anonymous too) read; archaeologists review and curate; staff do everything."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group, User
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from dunhuang_search.accounts.roles import (
    ARCHAEOLOGIST,
    READER,
    STAFF,
    has_role,
    role_of,
    role_permission,
    role_required,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    reader = User.objects.create_user("reader")
    reader.groups.add(Group.objects.get(name=READER))
    archaeologist = User.objects.create_user("archaeologist")
    archaeologist.groups.add(Group.objects.get(name=ARCHAEOLOGIST))
    staff = User.objects.create_user("staff", is_staff=True)
    inactive = User.objects.create_user("gone", is_active=False)
    inactive.groups.add(Group.objects.get(name=ARCHAEOLOGIST))
    return {"anonymous": AnonymousUser(), "reader": reader, "archaeologist": archaeologist,
            "staff": staff, "inactive": inactive}


@pytest.mark.parametrize(
    ("who", "roles"),
    [
        ("anonymous", {READER}),
        ("reader", {READER}),
        ("archaeologist", {READER, ARCHAEOLOGIST}),
        ("staff", {READER, ARCHAEOLOGIST, STAFF}),
        ("inactive", {READER}),
    ],
)
def test_each_person_holds_their_role_and_those_below_it(people, who, roles):
    user = people[who]
    assert {r for r in (READER, ARCHAEOLOGIST, STAFF) if has_role(user, r)} == roles
    assert role_of(user) == max(roles, key=[READER, ARCHAEOLOGIST, STAFF].index)


def test_an_unknown_role_is_a_programming_error(people):
    with pytest.raises(ValueError, match="unknown role 'admin'"):
        has_role(people["staff"], "admin")


def test_the_view_decorator_redirects_anonymous_and_forbids_the_wrong_role(people):
    view = role_required(ARCHAEOLOGIST)(lambda request: HttpResponse("ok"))
    request = RequestFactory().post("/review/42/")
    request.user = people["anonymous"]
    response = view(request)
    assert response.status_code == 302 and "next=/review/42/" in response["Location"]
    request.user = people["reader"]
    with pytest.raises(PermissionDenied):
        view(request)
    request.user = people["archaeologist"]
    assert view(request).status_code == 200


def test_the_api_permission_leaves_reads_open_and_checks_writes(people):
    permission = role_permission(STAFF)()
    factory = RequestFactory()
    get, post = factory.get("/api/v1/x/"), factory.post("/api/v1/x/")
    for who in ("anonymous", "reader", "archaeologist"):
        get.user = post.user = people[who]
        assert permission.has_permission(get, None)
        assert not permission.has_permission(post, None)
    post.user = people["staff"]
    assert permission.has_permission(post, None)
