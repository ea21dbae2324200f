"""The media gateway's machine endpoints, mounted at /gateway/ (config/wsgi.py gives them a lean middleware path):
MediaMTX's authorisation hook, the built-in relay's live HLS and recorded footage as HLS. Every one is answered
only for a valid token, through the gates other apps register (media.gateway)."""

from django.urls import include, path, re_path

from media import gateway, recording_views, relay_views

TOKEN_PATTERN = r"(?P<token>[A-Za-z0-9_-]{1,200})"  # noqa: S105 - a URL pattern, not a secret
CAMERA_PATTERN = r"(?P<camera_id>[0-9]{1,12})"

relay_patterns = [
    re_path(rf"^{TOKEN_PATTERN}/index\.m3u8$", relay_views.playlist, name="playlist"),
    re_path(rf"^{TOKEN_PATTERN}/(?P<name>seg\d{{6,10}}\.ts)$", relay_views.segment, name="segment"),
]
recording_patterns = [
    re_path(rf"^{TOKEN_PATTERN}/{CAMERA_PATTERN}/index\.m3u8$", recording_views.playlist, name="playlist"),
    re_path(
        rf"^{TOKEN_PATTERN}/{CAMERA_PATTERN}/(?P<segment_id>[0-9]{{1,12}})\.ts$",
        recording_views.segment,
        name="segment",
    ),  # fmt: skip
]

urlpatterns = [
    path("auth", gateway.auth_hook, name="gateway-auth"),
    path("relay/", include((relay_patterns, "relay"))),
    path("playback/", include((recording_patterns, "playback_media"))),
]
