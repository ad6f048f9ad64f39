"""Accounts in headless Chromium: sign in from the header, the user menu, a password change,
sign out; and the Content-Security-Policy blocks nothing the site's own pages need."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import Group

from dunhuang_search.accounts.roles import ARCHAEOLOGIST

pytestmark = pytest.mark.browser
PASSWORD = "ochre-and-lapis-220"
NEW_PASSWORD = "cinnabar-and-malachite-45"


@pytest.fixture
def strict_page(browser, live_server):
    """A page under the site's real policy (the shared `page` fixture bypasses it). Waits
    poll from Python: Playwright's in-page polling would need eval, which the policy forbids."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def wait_until(page, expression: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {seconds} s: {expression}"
        time.sleep(0.1)


def violations_of(page) -> list[str]:
    """CSP violations the page reports from now on (console lines and DOM events)."""
    found: list[str] = []
    page.on(
        "console",
        lambda m: found.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.add_init_script(
        "window.cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', e =>"
        " window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    return found


def test_sign_in_change_the_password_and_sign_out(page, django_user_model, screenshot):
    user = django_user_model.objects.create_user("wang", password=PASSWORD)
    user.groups.add(Group.objects.get(name=ARCHAEOLOGIST))
    page.goto("/search/")
    page.click("#user-menu >> text=Sign in")
    page.wait_for_url("**/accounts/login/?next=/search/")

    page.fill("#id_username", "wang")
    page.fill("#id_password", "wrong")
    page.click("input[type=submit]")
    assert "correct username and password" in page.locator(".form-errors").inner_text()

    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/search/")
    menu = page.locator("#user-menu")
    assert "Signed in as wang" in menu.inner_text() and "archaeologist" in menu.inner_text().lower()
    screenshot("accounts-signed-in")

    menu.locator("text=Password").click()
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("input[type=submit]")
    assert "new password is in use" in page.locator("#password-changed").inner_text()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    page.click("#user-menu button:has-text('Sign out')")
    page.wait_for_url("**/")
    assert "Sign in" in page.locator("#user-menu").inner_text()


def test_the_policy_blocks_nothing_on_the_sites_pages(strict_page, make_mural):
    page = strict_page
    mural = make_mural(width=800, height=600)
    found = violations_of(page)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    for url in ("/", "/search/", "/accounts/login/", f"/murals/{mural.pk}/"):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.cspViolations") == [], url
    wait_until(page, "document.querySelector('#osd').dataset.opened === 'true'")
    wait_until(page, "muralViewer.viewer.world.getItemAt(0).getFullyLoaded()")
    assert found == [] and errors == []


def test_the_policy_does_block_an_injected_inline_script(strict_page):
    page = strict_page
    found = violations_of(page)
    page.goto("/")
    page.evaluate(
        "(() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = true'; document.body.append(s); })()"
    )
    wait_until(page, "window.cspViolations.length > 0")
    assert page.evaluate("window.injected === undefined")
    assert any("script-src" in v for v in page.evaluate("window.cspViolations"))
    assert found
