"""IIIF Image API 3.0 and Presentation API 3.0 endpoints under /iiif/3/."""
from django.urls import path

from . import iiif

app_name = "iiif"
urlpatterns = [
    path("<int:pk>", iiif.image_base, name="base"),
    path("<int:pk>/info.json", iiif.image_info, name="info"),
    path("<int:pk>/manifest.json", iiif.manifest, name="manifest"),
    path(
        "<int:pk>/<str:region>/<str:size>/<str:rotation>/<str:quality>.<str:fmt>",
        iiif.image_request,
        name="image",
    ),
]
