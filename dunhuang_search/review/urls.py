"""URLs of the review app: its pages and its REST endpoints (under api/v1/), both mounted at the
site root by dunhuang_search/urls.py."""

from django.urls import path

from . import api

app_name = "review"

urlpatterns: list = [
    path("api/v1/elements/<int:pk>/review/", api.ReviewView.as_view(), name="api_review"),
    path("api/v1/elements/<int:pk>/undo/", api.UndoView.as_view(), name="api_undo"),
    path("api/v1/elements/<int:pk>/history/", api.HistoryView.as_view(), name="api_history"),
]
