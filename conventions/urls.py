from django.urls import path

from conventions import views

app_name = "conventions"

urlpatterns = [
    path("", views.convention_list_view, name="list"),
    path("new/", views.convention_create_view, name="create"),
    path("keys/", views.signing_key_list_view, name="keys"),
    path("camera-search/", views.camera_search_view, name="camera_search"),
    path("<int:pk>/", views.version_detail_view, name="detail"),
    path("<int:pk>/history/", views.convention_history_view, name="history"),
    path("<int:pk>/scope-count/", views.scope_count_view, name="scope_count"),
    path("<int:pk>/amend/", views.version_amend_view, name="amend"),
    path("<int:pk>/suspend/", views.convention_suspend_view, name="suspend"),
    path("<int:pk>/resume/", views.convention_resume_view, name="resume"),
    path("<int:pk>/terminate/", views.convention_terminate_view, name="terminate"),
    path("<int:pk>/v<int:number>/", views.version_detail_view, name="version"),
    path("<int:pk>/v<int:number>/edit/", views.version_edit_view, name="edit"),
    path("<int:pk>/v<int:number>/propose/", views.version_propose_view, name="propose"),
    path("<int:pk>/v<int:number>/sign/", views.version_sign_view, name="sign"),
    path("<int:pk>/v<int:number>/pdf/", views.version_pdf_view, name="pdf"),
    path("<int:pk>/v<int:number>/document.json", views.version_document_view, name="document"),
]
