"""Pages for live viewing (mounted at /live/)."""

from django.urls import path

from footage.views import live as views

app_name = "live"

urlpatterns = [
    path("", views.start_view, name="start"),
    path("cameras/", views.camera_search_view, name="camera_search"),
    path("preview/", views.preview_view, name="preview"),
    path("sessions/<int:pk>/", views.watch_view, name="watch"),
    path("sessions/<int:pk>/renew/", views.renew_view, name="renew"),
    path("sessions/<int:pk>/end/", views.end_view, name="end"),
    path("walls/<uuid:wall>/", views.wall_view, name="wall"),
    path("walls/<uuid:wall>/end/", views.wall_end_view, name="wall_end"),
    path("on-my-cameras/", views.on_my_cameras_view, name="on_my_cameras"),
    path("on-my-cameras/<int:pk>/end/", views.owner_end_view, name="owner_end"),
]
