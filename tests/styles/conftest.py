"""Style sets for the styles app's tests: uploads go to each test's own var/styles."""

from __future__ import annotations

import numpy as np
import pytest

from tests.factories import write_pixels


@pytest.fixture(autouse=True)
def style_dir(settings, isolated_var):
    settings.STYLE_DIR = isolated_var / "styles"
    return settings.STYLE_DIR


def green(seed: int, size=(80, 100)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w]
    im = np.stack([30 + xx * 0, 90 + (yy * 120) // h, 40 + (xx * 60) // w], -1).astype(float)
    im += rng.normal(0, 10, (h, w, 3))
    return np.clip(im, 0, 255).astype(np.uint8)


@pytest.fixture
def style_images(tmp_path):
    folder = tmp_path / "green"
    folder.mkdir()
    for seed in range(3):
        write_pixels(folder / f"g{seed}.png", green(seed))
    return folder


@pytest.fixture
def photo(tmp_path):
    rng = np.random.default_rng(5)
    pixels = rng.integers(0, 255, (90, 120, 3), dtype=np.uint8)
    pixels[:, :60] = (200, 80, 60)
    return write_pixels(tmp_path / "photo.png", pixels)


@pytest.fixture
def style_set(db, style_images):
    from dunhuang_search.styles.members import add_uploads
    from dunhuang_search.styles.models import StyleSet

    s = StyleSet.objects.create(slug="qinglv", name="QingLvShanShui, High Tang")
    add_uploads(s, sorted(style_images.iterdir()))
    s.refresh_from_db()
    return s


@pytest.fixture
def archaeologist_client(db):
    from django.contrib.auth.models import Group
    from django.test import Client

    from dunhuang_search.accounts.roles import ARCHAEOLOGIST
    from tests.factories import make_user

    user = make_user("archaeologist")
    user.groups.add(Group.objects.get_or_create(name=ARCHAEOLOGIST)[0])
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reader_client(db):
    from django.test import Client

    from tests.factories import make_user

    client = Client()
    client.force_login(make_user("reader"))
    return client


@pytest.fixture
def described_murals(tmp_path, db):
    """Four small murals in three caves and two periods, with their style descriptors."""
    from dunhuang_search.styles.descriptors import describe_murals
    from tests.factories import ingested_mural

    rng = np.random.default_rng(0)
    murals = []
    places = [
        (220, "early-tang", (180, 60, 40)),
        (220, "early-tang", (170, 70, 50)),
        (45, "high-tang", (40, 140, 70)),
        (320, "high-tang", (50, 150, 80)),
    ]
    for i, (cave, period, colour) in enumerate(places):
        pixels = np.clip(np.asarray(colour) + rng.normal(0, 25, (120, 160, 3)), 0, 255)
        murals.append(
            ingested_mural(
                tmp_path / f"m{i}.png", pixels.astype(np.uint8), cave=cave, period=period
            )
        )
    describe_murals(murals)
    return murals


@pytest.fixture(autouse=True)
def inline_jobs(monkeypatch):
    """Stylize jobs run inline on the transaction-wrapped test database."""
    from dunhuang_search.styles import jobs

    monkeypatch.setattr(jobs, "RUN_IN_BACKGROUND", False)
