"""Catalogue pages: browse, mural viewer, staff upload, index jobs."""
from django.urls import path

from . import index_views, upload, views

app_name = "catalogue"
urlpatterns = [
    path("", views.catalogue_index, name="index"),
    path("murals/add/", upload.upload_mural, name="upload"),
    path("murals/<int:pk>/", views.mural_viewer, name="mural"),
    path("murals/<int:pk>/elements.json", views.mural_elements_json, name="mural_elements"),
    path("murals/<int:pk>/index-status/", index_views.index_status, name="index_status"),
    path("murals/<int:pk>/index/", index_views.index_mural, name="index_mural"),
]
