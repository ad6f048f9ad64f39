"""URLs of the library app: its pages and its REST endpoints (under api/v1/), both mounted at the
site root by dunhuang_search/urls.py."""

from django.urls import path

from . import api_views, views

app_name = "library"

API = "api/v1/library/<slug:category>"
urlpatterns: list = [
    path("library/", views.overview, name="overview"),
    path("library/<slug:category>/", views.gallery, name="gallery"),
    path("library/<slug:category>/page/", views.gallery_page, name="gallery_page"),
    path("library/<slug:category>/groups/recompute/", views.recompute_groups, name="recompute"),
    path("library/<slug:category>/groups/job/", views.group_job_status, name="group_job"),
    path("library/<slug:category>/matrix/", views.matrix_page, name="matrix"),
    path(f"{API}/stats/", api_views.LibraryStatsView.as_view(), name="api-stats"),
    path(f"{API}/export/", api_views.LibraryExportView.as_view(), name="api-export"),
    path(f"{API}/matrix/", api_views.LibraryMatrixView.as_view(), name="api-matrix"),
    path(f"{API}/cave-matrix/", api_views.LibraryCaveMatrixView.as_view(), name="api-cave-matrix"),
    path(f"{API}/manifest/", api_views.LibraryManifestView.as_view(), name="api-manifest"),
]
