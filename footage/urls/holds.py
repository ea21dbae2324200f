"""Legal holds on the organisation's own cameras (mounted at /holds/)."""

from django.urls import path

from footage.views import holds as views

app_name = "holds"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("new/", views.new_view, name="new"),
    path("<int:pk>/release/", views.release_view, name="release"),
]
