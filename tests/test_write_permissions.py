"""Every write needs its role: each URL pattern the resolver knows (apps added later included)
gets POST, PUT, PATCH and DELETE from an anonymous visitor and from a signed-in reader. None
may succeed (2xx) or crash (5xx), and none may write a row.

Path parameters are filled with plausible values: ids name a mural and an element that exist
(OBJECT_ID), IIIF parameters a real region/size/rotation/quality. Writes are seen in
PostgreSQL's per-transaction counters (pg_stat_xact_user_tables), so a view that writes and
then redirects is caught too; only sessions and django-axes' login records may change.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, re_path, resolve
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.regex_helper import normalize

from dunhuang_search.accounts.roles import READER
from tests.factories import add_element, make_mural, make_user

OBJECT_ID = 424242
METHODS = ("post", "put", "patch", "delete")

#: values for path parameters by name (the first that the parameter's pattern accepts wins)
VALUES = {
    "region": "full",
    "size": "max",
    "rotation": "0",
    "quality": "default",
    "fmt": "jpg",
    "format": "json",
    "app_label": "auth",
    "category": "apsara",
    "slug": "apsara",
}
FALLBACKS = (str(OBJECT_ID), "json", ".json", "apsara", str(uuid.UUID(int=OBJECT_ID)))

#: endpoints that answer a write method with 2xx by design, and why. They must still write
#: nothing (checked like every other).
READS_BY_POST = {
    "search:index": "a search by an uploaded crop is a read; an empty POST shows the page",
    "admin:login": "Django's admin login shows its form again (200) for empty credentials",
}
#: tables a refused request may write: the session, and django-axes' record of failed logins
MAY_WRITE = re.compile(r"^(django_session|axes_.*)$")


def walk(patterns, chain=(), namespaces=()):
    """(patterns from the root, namespace-qualified name, URLPattern) for every endpoint."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            spaces = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from walk(pattern.url_patterns, (*chain, pattern.pattern), spaces)
        else:
            yield (*chain, pattern.pattern), ":".join((*namespaces, pattern.name or "?")), pattern


def value_for(name: str, regex: str) -> str:
    for candidate in (VALUES.get(name), *FALLBACKS):
        if candidate is not None and re.fullmatch(regex, candidate):
            return candidate
    raise AssertionError(f"no value for path parameter {name!r} ({regex}); add one to VALUES")


def route_piece(pattern: RoutePattern) -> str:
    def fill(match: re.Match) -> str:
        name = match["name"]
        return value_for(name, pattern.converters[name].regex)

    return re.sub(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>", fill, str(pattern._route))


def regex_piece(pattern: RegexPattern) -> str:
    groups = dict(re.findall(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)", pattern._regex))
    for template, params in normalize(pattern._regex):
        text = template % {name: value_for(name, groups.get(name, ".*")) for name in params}
        if pattern.regex.fullmatch(text) or pattern.regex.match(text):
            return text
    raise AssertionError(f"cannot build a URL for {pattern._regex!r}")


def url_of(chain) -> str:
    pieces = [route_piece(p) if isinstance(p, RoutePattern) else regex_piece(p) for p in chain]
    return "/" + "".join(pieces)


def endpoints(urlconf=None) -> list[tuple[str, str, URLPattern]]:
    """(name, url, pattern) for every endpoint; the url resolves back to the pattern's view."""
    found = []
    for chain, name, pattern in walk(get_resolver(urlconf).url_patterns):
        url = url_of(chain)
        match = resolve(url, urlconf)
        assert match.func is pattern.callback, f"{url} does not resolve to {name}"
        found.append((name, url, pattern))
    return found


def writes_so_far() -> dict[str, tuple[int, int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables"
        )
        return {row[0]: tuple(row[1:]) for row in cursor.fetchall()}


def client_for(who: str) -> Client:
    client = Client(raise_request_exception=False)
    if who == "reader":
        user = make_user(f"reader-{uuid.uuid4().hex[:8]}")
        user.groups.add(Group.objects.get(name=READER))
        client.force_login(user)
    return client


def refused_writes(who: str, urlconf=None) -> list[str]:
    """Every write that `who` got through (2xx, or a row written) or that crashed (5xx)."""
    wrong = []
    client = client_for(who)
    for name, url, _ in endpoints(urlconf):
        for method in METHODS:
            if who == "reader" and "_auth_user_id" not in client.session:
                client = client_for(who)  # the last request signed the reader out
            before = writes_so_far()
            response = getattr(client, method)(url)
            after = writes_so_far()
            status = response.status_code
            written = sorted(
                table
                for table, counts in after.items()
                if counts != before.get(table, (0, 0, 0)) and not MAY_WRITE.match(table)
            )
            if status >= 500:
                wrong.append(f"{method.upper()} {url} ({name}) as {who}: {status}")
            elif 200 <= status < 300 and name not in READS_BY_POST:
                wrong.append(f"{method.upper()} {url} ({name}) as {who}: {status}")
            if written:
                wrong.append(f"{method.upper()} {url} ({name}) as {who} wrote {written}")
    return wrong


@pytest.fixture
def objects(db):
    """A mural and an element with id OBJECT_ID, so that a view without its check would find
    something to change (rather than answer 404)."""
    mural = make_mural(id=OBJECT_ID)
    add_element(mural, id=OBJECT_ID)
    return mural


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "reader"])
def test_no_write_endpoint_lets_an_anonymous_visitor_or_a_reader_through(objects, who):
    wrong = refused_writes(who)
    assert not wrong, "writes that got through:\n" + "\n".join(wrong)


@pytest.mark.django_db
def test_the_walk_covers_the_site():
    names = {name for name, _, _ in endpoints()}
    assert {
        "catalogue:upload",
        "catalogue:index_mural",
        "elements:correct_ocr",
        "iiif:image",
        "api-search",
        "element-detail",
        "accounts:password_change",
        "admin:elements_element_change",
    } <= names
    assert set(READS_BY_POST) <= names, "an allowed endpoint that is gone: drop it"
    urls = {name: url for name, url, _ in endpoints()}
    assert urls["iiif:image"].endswith(f"/{OBJECT_ID}/full/max/0/default.jpg")


# The check itself: a site with an unguarded write, a crash and a write-then-redirect.


def unguarded(request, pk):
    return HttpResponse("changed")


def crashing(request):
    raise RuntimeError("boom")


def writes_then_redirects(request):
    Group.objects.create(name=f"made-by-{request.method}-{uuid.uuid4().hex[:6]}")
    return HttpResponse(status=302, headers={"Location": "/"})


urlpatterns = [
    path("things/<int:pk>/edit/", unguarded, name="edit"),
    re_path(r"^crash/(?P<format>[a-z]+)/?$", crashing, name="crash"),
    path("quiet/", writes_then_redirects, name="quiet"),
]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_the_walk_catches_an_unguarded_write_a_crash_and_a_silent_write():
    wrong = refused_writes("anonymous", __name__)
    assert f"POST /things/{OBJECT_ID}/edit/ (edit) as anonymous: 200" in wrong
    assert "DELETE /crash/json (crash) as anonymous: 500" in wrong
    assert "PATCH /quiet/ (quiet) as anonymous wrote ['auth_group']" in wrong
    assert len(wrong) == 4 * 3
