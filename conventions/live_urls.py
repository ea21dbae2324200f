"""Pages for live viewing (mounted at /live/)."""

app_name = "live"

urlpatterns = []
