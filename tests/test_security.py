"""The security baseline: headers and CSP on every page, no inline script, `check --deploy`
clean for a production configuration, the secret key, login rate limiting, and no SQL built by
string formatting. (The Hypothesis properties are in tests/test_security_properties.py.)"""

from __future__ import annotations

import ast
import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from dunhuang_search.accounts.roles import ARCHAEOLOGIST
from dunhuang_search.settings import PUBLISHED_SECRET_KEYS, generated_secret_key
from tests.cli import ROOT, manage_env
from tests.factories import make_user

# headers ----------------------------------------------------------------------------------------


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part
    }


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/search/", "/accounts/login/", "/api/v1/murals/"])
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = csp_directives(response)
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no CDN
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["default-src"] == ["'self'"] and csp["base-uri"] == ["'self'"]


@pytest.mark.django_db
def test_the_pages_load_their_scripts_from_our_static_files_only(client, staff_client):
    pages = [client.get("/"), client.get("/search/"), staff_client.get("/murals/add/")]
    for response in pages:
        html = response.content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            if 'type="application/json"' in tag:  # data (json_script), never executed
                continue
            source = re.search(r'\bsrc="([^"]+)"', tag)
            assert source, f"inline script in {response.request['PATH_INFO']}: {tag}"
            assert source[1].startswith("/static/"), source[1]


def test_no_template_has_an_inline_script_or_event_handler():
    wrong = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag:
                wrong.append(f"{path.relative_to(ROOT)}: {tag}")
        wrong += [
            f"{path.relative_to(ROOT)}: {m}"
            for m in re.findall(r"\s(on[a-z]+=\"[^\"]*\"|hx-on[:\w-]*=)", text)
        ]
        if "javascript:" in text:
            wrong.append(f"{path.relative_to(ROOT)}: javascript: URL")
    assert wrong == []


@pytest.mark.django_db
def test_https_settings_turn_on_with_a_real_host_name(settings):
    """Checked in a child process: the HTTPS settings are worked out when settings load."""
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.HTTPS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"
    )

    def loaded(**env: str) -> str:
        child_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "dunhuang_search.settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            **env,
        }
        for name in ("DEBUG", "ALLOWED_HOSTS", "DUNHUANG_HTTPS", "DUNHUANG_BEHIND_PROXY"):
            if name not in env:
                child_env.pop(name, None)
        done = subprocess.run(
            [sys.executable, "-c", code],
            env=child_env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert loaded() == "False False False False 0 None"  # local: make demo, tests
    assert loaded(ALLOWED_HOSTS="dunhuang.example.org", DUNHUANG_BEHIND_PROXY="1") == (
        "True True True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https')"
    )
    assert loaded(ALLOWED_HOSTS="dunhuang.example.org", DEBUG="1").startswith("False")
    assert loaded(ALLOWED_HOSTS="dunhuang.example.org", DUNHUANG_HTTPS="0").startswith("False")


def check_deploy(var_dir: Path, **env: str) -> subprocess.CompletedProcess:
    """`manage.py check --deploy --fail-level WARNING` in a child with exactly this
    configuration (the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is not a deployment's)."""
    child_env = {**manage_env(var_dir), **env}
    child_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    command = [
        sys.executable,
        str(ROOT / "manage.py"),
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    ]
    return subprocess.run(
        command, env=child_env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.mark.django_db(transaction=True)
def test_check_deploy_is_clean_for_a_production_configuration(tmp_path):
    production = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "dunhuang.example.org",
        "DUNHUANG_BEHIND_PROXY": "1",
    }
    done = check_deploy(tmp_path / "var", **production)
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout
    # the same without HTTPS is not clean: Django names the insecure cookies
    local = check_deploy(tmp_path / "var", **production, DUNHUANG_HTTPS="0")
    assert local.returncode != 0 and "SESSION_COOKIE_SECURE" in local.stderr


# the secret key -------------------------------------------------------------------------------


def test_a_missing_key_is_generated_once_private_and_reused(tmp_path):
    path = tmp_path / "var" / "secret_key"
    key = generated_secret_key(path)
    assert len(key) >= 50 and path.read_text().strip() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert generated_secret_key(path) == key
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary left


def child_secret(var_dir: Path, **env: str) -> subprocess.CompletedProcess:
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("SECRET_KEY")}
    child_env.update(
        DJANGO_SETTINGS_MODULE="dunhuang_search.settings", DUNHUANG_VAR_DIR=str(var_dir), **env
    )
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SECRET_KEY)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env=child_env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_site_without_a_key_makes_one_under_var_and_keeps_it(tmp_path):
    first, second = child_secret(tmp_path / "var"), child_secret(tmp_path / "var")
    assert first.returncode == 0 and second.returncode == 0, first.stderr
    key = (tmp_path / "var" / "secret_key").read_text().strip()
    assert first.stdout.strip() == second.stdout.strip() == key
    assert key not in PUBLISHED_SECRET_KEYS


def test_a_given_key_wins_and_a_published_one_is_refused(tmp_path):
    given = child_secret(tmp_path / "var", SECRET_KEY="a-key-only-this-site-knows-" + "x" * 30)
    assert given.stdout.strip().startswith("a-key-only-this-site-knows-")
    assert not (tmp_path / "var" / "secret_key").exists()
    (tmp_path / "key").write_text("from-a-file-" + "y" * 40 + "\n")
    from_file = child_secret(tmp_path / "var", SECRET_KEY_FILE=str(tmp_path / "key"))
    assert from_file.stdout.strip() == "from-a-file-" + "y" * 40
    published = child_secret(tmp_path / "var", SECRET_KEY=next(iter(PUBLISHED_SECRET_KEYS)))
    assert published.returncode != 0 and "published key" in published.stderr


def test_an_emptied_key_file_is_refused_with_what_to_do(tmp_path):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "secret_key").write_text("")
    refused = child_secret(tmp_path / "var")
    assert refused.returncode != 0 and "secret_key is empty: delete it" in refused.stderr


def test_an_unwritable_var_folder_says_to_set_a_key(tmp_path):
    var = tmp_path / "readonly"
    var.mkdir()
    var.chmod(0o500)
    try:
        if os.access(var, os.W_OK):
            pytest.skip("running as a user who may write anywhere")
        refused = child_secret(var)
    finally:
        var.chmod(0o700)
    assert refused.returncode != 0 and "set SECRET_KEY or SECRET_KEY_FILE" in refused.stderr


# login rate limiting ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_repeated_bad_logins_lock_the_account_out_for_that_address(settings):
    user = make_user("zhao", password="the-right-password-220")
    user.groups.add(Group.objects.get(name=ARCHAEOLOGIST))
    client = Client(REMOTE_ADDR="10.0.0.7")
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(url, {"username": "zhao", "password": "guess"}).status_code == 400
    locked = client.post(url, {"username": "zhao", "password": "guess"})
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.content.decode()
    right = client.post(url, {"username": "zhao", "password": "the-right-password-220"})
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    # the same user from another address, and another user from this one, still sign in
    elsewhere = Client(REMOTE_ADDR="10.0.0.8")
    ok = elsewhere.post(url, {"username": "zhao", "password": "the-right-password-220"})
    assert ok.status_code == 302
    make_user("qian", password="another-right-password")
    other = client.post(url, {"username": "qian", "password": "another-right-password"})
    assert other.status_code == 302


@pytest.mark.django_db
def test_the_admin_login_is_rate_limited_too(settings):
    make_user("sun", staff=True, password="the-right-password-220")
    client = Client(REMOTE_ADDR="10.0.0.9")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("admin:login"), {"username": "sun", "password": "guess"})
    right = client.post(
        reverse("admin:login"), {"username": "sun", "password": "the-right-password-220"}
    )
    assert right.status_code == 429


# SQL ------------------------------------------------------------------------------------------

SQL_CALLS = {"execute", "executemany", "raw", "copy", "RawSQL", "extra"}
#: functions that format SQL on purpose, and why it is safe there. Anything else fails.
FORMATTED_SQL_ALLOWED = {
    ("dunhuang_search/search/bench.py", "copy_elements"): "a constant column list",
    ("dunhuang_search/search/bench.py", "build_hnsw"): "ints (dim, m, ef) and a constant",
    ("dunhuang_search/search/bench.py", "pgvector_query"): "ints (dim, ef_search)",
    ("dunhuang_search/search/bench.py", "explain_uses_hnsw"): "an int (dim)",
}


def constant_text(node: ast.expr) -> bool:
    """A string literal, or literals joined with `+`."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return constant_text(node.left) and constant_text(node.right)
    return False


def formatted(node: ast.expr) -> bool:
    """An f-string with values, `"..." % x`, `"...".format(...)` or a `+` with a non-literal."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return constant_text(node.left)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return not constant_text(node)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and isinstance(node.func.value, ast.Constant)
    return False


class SqlFinder(ast.NodeVisitor):
    """Finds SQL calls given a formatted statement, or a name a formatted string was bound to
    in the same function."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, set[str]]] = [("<module>", set())]
        self.found: list[tuple[str, int, str]] = []

    def visit_FunctionDef(self, node) -> None:
        built = {
            target.id
            for child in ast.walk(node)
            if isinstance(child, ast.Assign) and formatted(child.value)
            for target in child.targets
            if isinstance(target, ast.Name)
        }
        self.scopes.append((node.name, built))
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in SQL_CALLS and node.args:
            first = node.args[0]
            function, built = self.scopes[-1]
            if formatted(first) or (isinstance(first, ast.Name) and first.id in built):
                self.found.append((function, node.lineno, name))
        self.generic_visit(node)


def formatted_sql(path: Path) -> list[tuple[str, int, str]]:
    """(function, line, call) of every SQL call in `path` whose statement is formatted."""
    finder = SqlFinder()
    finder.visit(ast.parse(path.read_text(encoding="utf-8")))
    return finder.found


def test_no_sql_statement_is_built_by_string_formatting():
    wrong, allowed_seen = [], set()
    for path in sorted(
        [*(ROOT / "dunhuang_search").rglob("*.py"), *(ROOT / "indexer").rglob("*.py")]
    ):
        relative = path.relative_to(ROOT).as_posix()
        for function, line, call in formatted_sql(path):
            if (relative, function) in FORMATTED_SQL_ALLOWED:
                allowed_seen.add((relative, function))
                continue
            wrong.append(f"{relative}:{line} {function}() formats the SQL given to {call}()")
    assert wrong == [], "use bound parameters (%s) or psycopg.sql: " + "; ".join(wrong)
    assert allowed_seen == set(FORMATTED_SQL_ALLOWED), "drop allow-list entries that are gone"


def test_the_sql_check_sees_each_way_of_formatting(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def a(c, x):\n    c.execute(f'SELECT {x}')\n"
        "def b(c, x):\n    c.execute('SELECT %s' % x)\n"
        "def d(c, x):\n    q = 'SELECT {}'.format(x)\n    c.execute(q)\n"
        "def e(M, x):\n    M.objects.raw('SELECT ' + x)\n"
        "def ok(c, x):\n    c.execute('SELECT %s ' + 'FROM t', [x])\n"
        "c.copy(f'COPY {x} FROM STDIN')\n"
    )
    assert [(f, call) for f, _, call in formatted_sql(sample)] == [
        ("a", "execute"),
        ("b", "execute"),
        ("d", "execute"),
        ("e", "raw"),
        ("<module>", "copy"),
    ]


# NUL characters ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/library/?period=%00", "period: the value contains a NUL character"),
        ("/review/?category=a%00b", "category: the value contains a NUL character"),
        ("/api/v1/elements/?mu%00ral=1", "mu\\x00ral: the value contains a NUL character"),
        ("/iiif/3/1/full/max/0/def%00ault.jpg", "the path contains a NUL character"),
    ],
)
def test_a_nul_character_is_a_json_400_before_any_view(client, url, message):
    response = client.get(url)
    assert response.status_code == 400 and response.json()["error"] == message


@pytest.mark.django_db
def test_search_checks_control_characters_itself_and_names_the_parameter(client):
    """Search marks its views `checks_control_characters`: its own form answers, on its page."""
    api = client.get("/api/v1/search/?category=%00")
    assert api.status_code == 400
    assert api.json()["error"].startswith("category: holds a control character")
    page = client.get("/search/?q=a%00b")
    assert page.status_code == 400 and 'data-param="q"' in page.content.decode()
