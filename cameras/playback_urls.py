"""Recorded footage as HLS (VOD playlists and the recorder's segments), mounted at /gateway/playback/: served only
with a valid playback token."""

app_name = "playback_media"

urlpatterns = []
