"""URLs of the review app: its pages and its REST endpoints (under api/v1/), both mounted at the
site root by dunhuang_search/urls.py."""

from django.urls import path

from . import api, category_api, category_views, views

app_name = "review"

urlpatterns: list = [
    path("review/", views.queue_page, name="queue"),
    path("review/cards/", views.queue_cards, name="cards"),
    path("review/categories/", category_views.categories_page, name="categories"),
    path(
        "review/categories/<slug:slug>/find-more/",
        category_views.find_more,
        name="find_more",
    ),
    path("review/progress/", views.queue_progress, name="progress"),
    path("review/elements/<int:pk>/history/", views.history_fragment, name="history"),
    path("api/v1/review/batch/", api.BatchView.as_view(), name="api_batch"),
    path("api/v1/review/missed/", api.MissedElementView.as_view(), name="api_missed"),
    path("api/v1/elements/<int:pk>/similar/", api.SimilarView.as_view(), name="api_similar"),
    path("api/v1/categories/", category_api.CategoriesView.as_view(), name="api_categories"),
    path(
        "api/v1/categories/<slug:slug>/examples/",
        category_api.ExamplesView.as_view(),
        name="api_examples",
    ),
    path(
        "api/v1/categories/<slug:slug>/proposals/",
        category_api.ProposalsView.as_view(),
        name="api_proposals",
    ),
    path(
        "api/v1/elements/<int:pk>/mural-remaining/",
        api.MuralRemainingView.as_view(),
        name="api_mural_remaining",
    ),
    path("api/v1/elements/<int:pk>/review/", api.ReviewView.as_view(), name="api_review"),
    path("api/v1/elements/<int:pk>/undo/", api.UndoView.as_view(), name="api_undo"),
    path("api/v1/elements/<int:pk>/history/", api.HistoryView.as_view(), name="api_history"),
]
