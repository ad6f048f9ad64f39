"""URLs of the styles app: its pages and its REST endpoints (under api/v1/), both mounted at the
site root by dunhuang_search/urls.py."""

app_name = "styles"

urlpatterns: list = []
