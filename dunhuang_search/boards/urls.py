"""URLs of the boards app: its pages and its REST endpoints (under api/v1/), both mounted at the
site root by dunhuang_search/urls.py."""

from django.urls import path

from . import api, editing, exports, views

app_name = "boards"

pages = [
    path("boards/", views.board_list, name="list"),
    path("boards/import/", editing.import_page, name="import"),
    path("boards/<int:pk>/", views.board_page, name="board"),
    path("boards/<int:pk>/compare/", views.compare_page, name="compare"),
    path("boards/<int:pk>/publish/", views.publish, name="publish"),
    path("boards/<int:pk>/items/<int:item_id>/edit/", editing.edit_item, name="edit-item"),
    path("boards/<int:pk>/settings/", editing.board_settings, name="settings"),
    path("boards/pin/", views.pin, name="pin"),
    path("boards/pin-evidence/", views.pin_evidence, name="pin-evidence"),
    path("boards/public/<str:token>/", views.public_board, name="public"),
    path("boards/snapshots/<int:snapshot_id>/", views.snapshot_page, name="snapshot"),
    path("boards/<int:pk>/manifest.json", exports.board_manifest, name="manifest"),
    path("boards/<int:pk>/plate.pdf", exports.board_plate, name="plate"),
    path("boards/snapshots/<int:snapshot_id>/manifest.json", exports.snapshot_manifest,
         name="snapshot-manifest"),
    path("boards/snapshots/<int:snapshot_id>/plate.pdf", exports.snapshot_plate,
         name="snapshot-plate"),
]  # fmt: skip

rest = [
    path("api/v1/boards/", api.BoardListView.as_view(), name="api-boards"),
    path("api/v1/boards/import/", api.ImportView.as_view(), name="api-import"),
    path("api/v1/boards/<int:pk>/", api.BoardDetailView.as_view(), name="api-board"),
    path("api/v1/boards/<int:pk>/items/", api.ItemListView.as_view(), name="api-items"),
    path("api/v1/boards/<int:pk>/items/<int:item_id>/", api.ItemDetailView.as_view(),
         name="api-item"),
    path("api/v1/boards/<int:pk>/lanes/", api.LaneListView.as_view(), name="api-lanes"),
    path("api/v1/boards/<int:pk>/lanes/<int:lane_id>/", api.LaneDetailView.as_view(),
         name="api-lane"),
    path("api/v1/boards/<int:pk>/shares/", api.ShareView.as_view(), name="api-shares"),
    path("api/v1/boards/<int:pk>/snapshots/", api.PublishView.as_view(), name="api-publish"),
    path("api/v1/boards/<int:pk>/export.json", api.ExportJsonView.as_view(), name="api-json"),
    path("api/v1/boards/<int:pk>/export.csv", api.ExportCsvView.as_view(), name="api-csv"),
    path("api/v1/board-snapshots/<int:snapshot_id>/", api.SnapshotView.as_view(),
         name="api-snapshot"),
]  # fmt: skip

urlpatterns = pages + rest
