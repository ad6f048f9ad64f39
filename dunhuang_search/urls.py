"""Top-level URLs. A namespace is a section of the site, not an app: `catalogue:` holds the
browse pages (catalogue app) and the mural viewer with its index jobs (elements app, which sits
above catalogue); `iiif:` holds the image service (catalogue) and the manifest (elements)."""
from django.contrib import admin
from django.urls import include, path

from dunhuang_search import observability
from dunhuang_search.catalogue import iiif_urls
from dunhuang_search.catalogue import urls as catalogue_urls
from dunhuang_search.elements import urls as elements_urls

catalogue_section = [*catalogue_urls.urlpatterns, *elements_urls.catalogue_section]
iiif_section = [*iiif_urls.urlpatterns, *elements_urls.iiif_section]

urlpatterns = [
    path("healthz", observability.healthz, name="healthz"),
    path("", include("dunhuang_search.accounts.urls")),
    path("", include((catalogue_section, "catalogue"))),
    path("iiif/3/", include((iiif_section, "iiif"))),
    path("search/", include("dunhuang_search.search.urls")),
    path("elements/", include((elements_urls.urlpatterns, "elements"))),
    path("api/", include("dunhuang_search.api.urls")),
    # Apps above search mount their pages and their api/v1/ endpoints at the root, one line each.
    path("", include("dunhuang_search.training.urls")),
    path("", include("dunhuang_search.dating.urls")),
    path("", include("dunhuang_search.review.urls")),
    path("", include("dunhuang_search.library.urls")),
    path("", include("dunhuang_search.boards.urls")),
    path("", include("dunhuang_search.studio.urls")),
    path("", include("dunhuang_search.styles.urls")),
    path("admin/", admin.site.urls),
]
