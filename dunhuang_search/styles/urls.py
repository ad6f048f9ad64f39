"""URLs of the styles app: its pages and its REST endpoints (under api/v1/), both mounted at the
site root by dunhuang_search/urls.py."""

from django.urls import path

from . import api, picker, views

app_name = "styles"

urlpatterns = [
    path("styles/", views.style_index, name="index"),
    path("styles/map/nearest/<int:pk>/", views.map_nearest, name="nearest"),
    path("styles/add/", picker.add_to_style_set, name="add"),
    path("styles/sets/new/", views.set_form, name="set-new"),
    path("styles/sets/<slug:slug>/", views.set_detail, name="set"),
    path("styles/sets/<slug:slug>/edit/", views.set_form, name="set-edit"),
    path("styles/sets/<slug:slug>/members/", views.member_add, name="member-add"),
    path(
        "styles/sets/<slug:slug>/members/<int:pk>/remove/",
        views.member_remove,
        name="member-remove",
    ),
    path("styles/sets/<slug:slug>/stylize/", views.stylize_view, name="stylize"),
    path("styles/jobs/<int:pk>/", views.job_status, name="job"),
    path("styles/members/<int:pk>.jpg", views.member_image, name="member-image"),
    path("styles/derivatives/<int:pk>.jpg", views.derivative_image, name="derivative-image"),
    path("styles/derivatives/<int:pk>/input.jpg", views.derivative_input, name="derivative-input"),
    path(
        "styles/derivatives/<int:pk>/provenance.json",
        views.derivative_provenance,
        name="derivative-provenance",
    ),
    path("api/v1/style-sets/", api.StyleSetList.as_view(), name="api-sets"),
    path("api/v1/style-sets/<slug:slug>/", api.StyleSetDetail.as_view(), name="api-set"),
    path(
        "api/v1/style-sets/<slug:slug>/members/", api.StyleSetMembers.as_view(), name="api-members"
    ),
    path(
        "api/v1/style-sets/<slug:slug>/stylize/", api.StyleSetStylize.as_view(), name="api-stylize"
    ),
    path("api/v1/style-sets/<slug:slug>/add/", api.StyleSetAdd.as_view(), name="api-add"),
    path("api/v1/style-map/", api.StyleMapView.as_view(), name="api-map"),
]
