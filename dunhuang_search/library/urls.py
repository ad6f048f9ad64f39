"""URLs of the library app: its pages and its REST endpoints (under api/v1/), both mounted at the
site root by dunhuang_search/urls.py."""

from django.urls import path

from . import api_views

app_name = "library"

urlpatterns: list = [
    path(
        "api/v1/library/<slug:category>/stats/",
        api_views.LibraryStatsView.as_view(),
        name="api-stats",
    ),
]
