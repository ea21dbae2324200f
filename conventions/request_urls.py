"""Pages for footage requests, approvals, break-glass reviews and evidence exports (mounted at /requests/)."""

app_name = "requests"

urlpatterns = []
