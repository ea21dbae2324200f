"""Recorded footage as HLS (VOD playlists and the recorder's segments), mounted at /gateway/playback/: served only
with a valid playback token."""

from django.urls import re_path

from cameras import playback_views

app_name = "playback_media"

TOKEN_PATTERN = r"(?P<token>[A-Za-z0-9_-]{1,200})"  # noqa: S105 - a URL pattern, not a secret
CAMERA_PATTERN = r"(?P<camera_id>[0-9]{1,12})"

urlpatterns = [
    re_path(rf"^{TOKEN_PATTERN}/{CAMERA_PATTERN}/index\.m3u8$", playback_views.playlist, name="playlist"),
    re_path(
        rf"^{TOKEN_PATTERN}/{CAMERA_PATTERN}/(?P<segment_id>[0-9]{{1,12}})\.ts$", playback_views.segment, name="segment"
    ),  # fmt: skip
]
