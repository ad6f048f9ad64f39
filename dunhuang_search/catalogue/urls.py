"""Catalogue pages: browse and the staff upload (in the `catalogue:` section, see ../urls.py)."""
from django.urls import path

from . import upload, views

urlpatterns = [
    path("", views.catalogue_index, name="index"),
    path("murals/add/", upload.upload_mural, name="upload"),
]
