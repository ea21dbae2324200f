"""The built-in HLS relay's playlists and segments (mounted at /gateway/relay/): served only with a valid live
session token."""

app_name = "relay"

urlpatterns = []
