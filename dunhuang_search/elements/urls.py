"""Element pages and actions. `urlpatterns` are the `elements:` section (/elements/); the
viewer and index jobs join the `catalogue:` section and the manifest the `iiif:` one, where a
visitor finds them (see ../urls.py)."""
from django.urls import path

from . import job_views, manifest, viewer, views

urlpatterns = [
    path("<int:pk>/ocr/", views.correct_ocr_text, name="correct_ocr"),
]

catalogue_section = [
    path("murals/<int:pk>/", viewer.mural_viewer, name="mural"),
    path("murals/<int:pk>/elements.json", viewer.mural_elements_json, name="mural_elements"),
    path("murals/<int:pk>/index-status/", job_views.index_status, name="index_status"),
    path("murals/<int:pk>/index/", job_views.index_mural, name="index_mural"),
]

iiif_section = [
    path("<int:pk>/manifest.json", manifest.manifest, name="manifest"),
]
