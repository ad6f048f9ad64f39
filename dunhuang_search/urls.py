"""Top-level URLs: catalogue and viewer, IIIF, API, admin."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("dunhuang_search.catalogue.urls")),
    path("iiif/3/", include("dunhuang_search.catalogue.iiif_urls")),
    path("search/", include("dunhuang_search.search.urls")),
    path("elements/", include("dunhuang_search.elements.urls")),
    path("api/", include("dunhuang_search.api.urls")),
    path("admin/", admin.site.urls),
]
