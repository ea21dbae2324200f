"""Pages for footage requests, approvals, break-glass reviews and evidence exports (mounted at /requests/)."""

from django.urls import path

from footage.views import requests as views

app_name = "requests"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("new/", views.new_view, name="new"),
    path("cameras/", views.camera_search_view, name="camera_search"),
    path("preview/", views.preview_view, name="preview"),
    path("<int:pk>/", views.detail_view, name="detail"),
    path("<int:pk>/decide/", views.decide_view, name="decide"),
    path("<int:pk>/withdraw/", views.withdraw_view, name="withdraw"),
    path("<int:pk>/review/", views.review_view, name="review"),
    path("<int:pk>/document/", views.document_view, name="document"),
    path("<int:pk>/export/", views.export_view, name="export"),
    path("exports/<int:pk>/progress/", views.export_progress_view, name="export_progress"),
    path("exports/<int:pk>/download/", views.download_view, name="download"),
]
