"""URLs of the dating app: its pages and its REST endpoints (under api/v1/), both mounted at the
site root by dunhuang_search/urls.py."""

from django.urls import path

from . import api, views

app_name = "dating"

urlpatterns = [
    path("murals/<int:pk>/dating/", views.mural_estimate, name="mural_estimate"),
    path("murals/<int:pk>/dating/accept/", views.accept_mural_estimate, name="accept_estimate"),
    path("api/v1/murals/<int:pk>/dating/", api.MuralDatingView.as_view(), name="api_mural_dating"),
    path(
        "api/v1/murals/<int:pk>/dating/accept/",
        api.AcceptEstimateView.as_view(),
        name="api_accept_estimate",
    ),
    path(
        "api/v1/murals/<int:pk>/datings/", api.MuralDatingsView.as_view(), name="api_mural_datings"
    ),
    path(
        "api/v1/elements/<int:pk>/dating/",
        api.ElementDatingView.as_view(),
        name="api_element_dating",
    ),
]
