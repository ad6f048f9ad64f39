"""URLs of the studio app: its pages and its REST endpoints (under api/v1/), both mounted at the
site root by dunhuang_search/urls.py, and the IIIF image service of derivatives
(/iiif/3/derivative-<id>/...)."""

from django.urls import path

from . import api, iiif, views

app_name = "studio"

IIIF = "iiif/3/derivative-<int:pk>"

urlpatterns = [
    path("studio/", views.studio, name="studio"),
    path("studio/jobs/<int:pk>/status", views.job_status, name="job_status"),
    path("studio/derivatives/<int:pk>/", views.derivative_page, name="derivative"),
    path("studio/murals/<int:pk>/derivatives/", views.mural_derivatives, name="mural_derivatives"),
    path(
        "studio/elements/<int:pk>/derivatives/",
        views.element_derivatives,
        name="element_derivatives",
    ),
    path("api/v1/studio/restorations/", api.RestorationsView.as_view(), name="api_restorations"),
    path("api/v1/studio/restorations/<int:pk>/", api.JobView.as_view(), name="api_job"),
    path("api/v1/studio/masks/", api.MaskView.as_view(), name="api_masks"),
    path("api/v1/derivatives/", api.DerivativeListView.as_view(), name="api_derivatives"),
    path("api/v1/derivatives/<int:pk>/", api.DerivativeView.as_view(), name="api_derivative"),
    path("api/v1/derivatives/<int:pk>/review/", api.ReviewView.as_view(), name="api_review"),
    path("api/v1/derivatives/<int:pk>/export/", api.ExportView.as_view(), name="api_export"),
    path(IIIF, iiif.image_base, name="iiif_base"),
    path(f"{IIIF}/info.json", iiif.image_info, name="iiif_info"),
    path(
        f"{IIIF}/<str:region>/<str:size>/<str:rotation>/<str:quality>.<str:fmt>",
        iiif.image_request,
        name="iiif_image",
    ),
]
