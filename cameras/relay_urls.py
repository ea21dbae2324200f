"""The built-in HLS relay's playlists and segments (mounted at /gateway/relay/): served only with a valid live
session token."""

from django.urls import re_path

from cameras import relay_views

app_name = "relay"

TOKEN_PATTERN = r"(?P<token>[A-Za-z0-9_-]{1,200})"  # noqa: S105 - a URL pattern, not a secret

urlpatterns = [
    re_path(rf"^{TOKEN_PATTERN}/index\.m3u8$", relay_views.playlist, name="playlist"),
    re_path(rf"^{TOKEN_PATTERN}/(?P<name>seg\d{{6,10}}\.ts)$", relay_views.segment, name="segment"),
]
