from django.urls import path

from oversight import views

app_name = "oversight"

urlpatterns = [
    path("", views.console_view, name="console"),
    path("export.csv", views.export_csv_view, name="export_csv"),
    path("export.json", views.export_json_view, name="export_json"),
    path("verify/", views.verify_view, name="verify"),
    path("<int:pk>/", views.entry_detail_view, name="detail"),
    path("reports/", views.report_view, name="report"),
    path("reports/pdf/", views.report_pdf_view, name="report_pdf"),
]
