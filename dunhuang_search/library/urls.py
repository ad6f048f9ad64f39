"""URLs of the library app: its pages and its REST endpoints (under api/v1/), both mounted at the
site root by dunhuang_search/urls.py."""

app_name = "library"

urlpatterns: list = []
