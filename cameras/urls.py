from django.urls import path

from cameras import views

app_name = "cameras"

urlpatterns = [
    path("", views.camera_list_view, name="list"),
    path("map/", views.camera_map_view, name="map"),
    path("onboard/", views.camera_onboard_view, name="onboard"),
    path("import/", views.camera_import_view, name="import"),
    path("groups/", views.group_list_view, name="groups"),
    path("groups/new/", views.group_create_view, name="group_create"),
    path("groups/delegations/new/", views.delegation_grant_view, name="delegation_grant"),
    path("groups/delegations/<int:pk>/revoke/", views.delegation_revoke_view, name="delegation_revoke"),
    path("<int:pk>/", views.camera_detail_view, name="detail"),
    path("<int:pk>/snapshot/", views.camera_snapshot_view, name="snapshot"),
    path("<int:pk>/recording/", views.camera_recording_view, name="recording"),
    path("<int:pk>/snapshot/refresh/", views.camera_snapshot_refresh_view, name="snapshot_refresh"),
]
