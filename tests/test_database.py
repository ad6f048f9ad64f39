"""The database is PostgreSQL with pgvector and pg_trgm, always; reference data is loaded."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from dunhuang_search.catalogue.models import Mural, Period, Site
from dunhuang_search.elements.models import Category, Element

pytestmark = pytest.mark.django_db


def test_it_runs_on_postgresql_with_pgvector_and_trgm():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension")
        extensions = {row[0] for row in cursor.fetchall()}
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    assert {"vector", "pg_trgm"} <= extensions
    if "PGDATA" in settings.DATABASES["default"]:
        assert version.startswith("18")


def test_it_has_the_full_periodization_in_order():
    periods = list(Period.objects.values_list("slug", "start_year", "end_year"))
    assert len(periods) == 14
    assert periods[0] == ("northern-liang", 421, 439)
    assert ("early-tang", 618, 704) in periods and ("high-tang", 705, 780) in periods
    assert periods[-1] == ("yuan", 1227, 1368)
    assert [p[1] for p in periods] == sorted(p[1] for p in periods)


def test_it_has_the_papers_five_categories_in_two_languages():
    names = dict(Category.objects.values_list("slug", "name_zh"))
    assert names == {
        "inscription": "榜题",
        "thousand-buddha": "千佛",
        "donor": "供养人",
        "apsara": "飞天",
        "non-buddhist-figure": "非佛教人物",
    }
    assert "cartouche" in Category.objects.get(slug="inscription").synonyms
    assert set(Site.objects.values_list("slug", flat=True)) == {
        "mogao",
        "yulin",
        "western-thousand-buddha",
    }


def test_it_stores_and_ranks_element_embeddings_with_pgvector(image_file):
    from pgvector.django import CosineDistance

    from tests.factories import ingested_mural

    mural = ingested_mural(image_file("wall.jpg"))
    apsara = Category.objects.get(slug="apsara")
    near = Element.objects.create(
        mural=mural, x=1, y=2, w=30, h=40, category=apsara, embedding=[1.0, 0.0, 0.0]
    )
    Element.objects.create(
        mural=mural, x=50, y=60, w=30, h=40, category=apsara, embedding=[0.0, 1.0, 0.0]
    )
    Element.objects.create(mural=mural, x=90, y=60, w=30, h=40, category=apsara)  # not indexed
    ranked = Element.objects.exclude(embedding=None).order_by(
        CosineDistance("embedding", [0.9, 0.1, 0.0])
    )
    assert ranked.first() == near
    assert near.bbox == [1, 2, 30, 40]


def test_it_refuses_empty_boxes_in_the_database(image_file):
    from django.db import IntegrityError, transaction

    from tests.factories import ingested_mural

    mural = ingested_mural(image_file("wall.jpg"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Element.objects.create(mural=mural, x=0, y=0, w=0, h=10)
    assert not Mural.objects.exclude(pk=mural.pk).exists()
