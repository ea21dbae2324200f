"""Playback of approved recorded footage in the browser (mounted at /playback/)."""

from django.urls import path

from footage.views import playback as views

app_name = "playback"

urlpatterns = [
    path("<int:pk>/", views.watch_view, name="watch"),
    path("<int:pk>/start/", views.start_view, name="start"),
    path("<int:pk>/renew/", views.renew_view, name="renew"),
    path("<int:pk>/stop/", views.stop_view, name="stop"),
]
