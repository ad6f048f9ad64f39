"""IIIF Image API 3.0 endpoints (in the `iiif:` section under /iiif/3/, see ../urls.py)."""
from django.urls import path

from . import iiif

urlpatterns = [
    path("<int:pk>", iiif.image_base, name="base"),
    path("<int:pk>/info.json", iiif.image_info, name="info"),
    path(
        "<int:pk>/<str:region>/<str:size>/<str:rotation>/<str:quality>.<str:fmt>",
        iiif.image_request,
        name="image",
    ),
]
