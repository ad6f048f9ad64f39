"""Browser fixtures: headless Debian Chromium through Playwright, a live server, test murals.

Set DUNHUANG_SCREENSHOTS=/some/dir to keep a screenshot of each page the tests look at.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

from dunhuang_search.accounts.roles import ARCHAEOLOGIST
from dunhuang_search.catalogue.models import Mural
from tests.factories import ingested_mural, make_user

# Playwright's sync API keeps an event loop running in this thread; the ORM calls the tests make
# beside it are still synchronous, so Django's async guard must stand aside.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    """A fresh page whose relative URLs go to the live server; JS errors fail the test.

    The site's Content-Security-Policy forbids eval, which Playwright's polling
    (wait_for_function) uses, so these pages bypass it; tests/browser/test_accounts_browser.py
    checks the pages under the policy."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1440, "height": 960}, bypass_csp=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(20_000)
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def screenshot(page) -> Callable[[str], None]:
    """screenshot(name): save the page under $DUNHUANG_SCREENSHOTS, if set."""
    folder = os.environ.get("DUNHUANG_SCREENSHOTS")

    def take(name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return take


def mural_like_pixels(width: int, height: int, seed: int) -> np.ndarray:
    """An ochre wall with rows of small haloed figures and a few large coloured panels."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    ground = np.array([196, 160, 112], np.float32) + rng.normal(0, 4, 3)
    shade = 1.0 - 0.18 * (yy / height) - 0.08 * np.sin(xx / width * 3.1)
    image = ground[None, None, :] * shade[..., None]
    image += rng.normal(0, 6, (height, width, 1))
    step = max(24, width // 24)
    dy, dx = np.mgrid[0:step, 0:step].astype(np.float32) - step / 2
    halo = dx**2 + (dy + step * 0.2) ** 2 < (step * 0.3) ** 2
    body = (np.abs(dx) < step * 0.2) & (dy > -step * 0.1) & (dy < step * 0.35)
    for top in range(step // 2, height - step, step):
        for left in range(0, width - step, step):
            cell = image[top : top + step, left : left + step]
            cell[halo] = cell[halo] * 0.4 + np.array([60, 110, 90]) * 0.6
            cell[body] = cell[body] * 0.3 + np.array([150, 50, 35]) * 0.7
    pigments = [(63, 110, 90), (47, 74, 122), (155, 61, 38), (226, 214, 190)]
    for i in range(3):
        x0, y0 = int(rng.integers(0, width * 3 // 4)), int(rng.integers(0, height * 3 // 4))
        w, h = int(width * rng.uniform(0.1, 0.2)), int(height * rng.uniform(0.1, 0.2))
        image[y0 : y0 + h, x0 : x0 + w] = pigments[(seed + i) % len(pigments)]
    return np.clip(image, 0, 255).astype(np.uint8)


@pytest.fixture
def make_mural(reference_data, tmp_path) -> Callable[..., Mural]:
    """make_mural(width=, height=, cave=, period=, ...): a real ingested mural with a pyramid."""
    counter = iter(range(1, 1000))

    def make(width: int = 2400, height: int = 1600, **fields: object) -> Mural:
        n = next(counter)
        pixels = mural_like_pixels(width, height, seed=n)
        return ingested_mural(tmp_path / f"mural-{n}.png", pixels, **fields)

    return make


def sign_in(page, live_server, user) -> None:
    """Give the page the session cookie of `user`, freshly logged in."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


@pytest.fixture
def staff_page(page, live_server):
    """The page, signed in as a fresh staff user ("curator")."""
    sign_in(page, live_server, make_user("curator", staff=True))
    return page


@pytest.fixture
def archaeologist_page(page, live_server):
    """The page, signed in as a fresh archaeologist ("ana")."""
    user = make_user("ana")
    user.groups.add(Group.objects.get(name=ARCHAEOLOGIST))
    sign_in(page, live_server, user)
    return page
