"""REST API v1 and the OpenAPI schema."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from . import views
from .search_views import SearchView

router = DefaultRouter()
router.register("murals", views.MuralViewSet, basename="mural")
router.register("elements", views.ElementViewSet, basename="element")

urlpatterns = [
    path("v1/search/", SearchView.as_view(), name="api-search"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
