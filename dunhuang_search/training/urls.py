"""The training app's pages: the detectors (staff)."""

from django.urls import path

from . import views

app_name = "training"
urlpatterns = [path("detectors/", views.detector_list, name="detectors")]
