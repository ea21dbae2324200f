from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from conventions.gateway import auth_hook

# The admin has no login of its own: people sign in through the portal (password + second factor).
admin.site.login = login_not_required(RedirectView.as_view(pattern_name="zones:login", query_string=True))
admin.site.site_header = "CCTV portal administration"

urlpatterns = [
    path("", include("zones.urls")),
    path("cameras/", include("cameras.urls")),
    path("audit/", include("audit.urls")),
    path("conventions/", include("conventions.urls")),
    path("gateway/auth", auth_hook, name="gateway-auth"),
    path("gateway/relay/", include("cameras.relay_urls")),
    path("gateway/playback/", include("cameras.playback_urls")),
    path("live/", include("conventions.live_urls")),
    path("requests/", include("conventions.request_urls")),
    path("playback/", include("conventions.playback_urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("config.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI sets a few inline styles; scripts stay 'self' only.
    path(
        "api/docs/",
        csp_update({"style-src": ["'self'", "'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
]
