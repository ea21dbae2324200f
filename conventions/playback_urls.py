"""Playback of approved recorded footage in the browser (mounted at /playback/)."""

app_name = "playback"

urlpatterns = []
