from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# The admin has no login of its own: people sign in through the portal (password + second factor).
admin.site.login = login_not_required(RedirectView.as_view(pattern_name="zones:login", query_string=True))
admin.site.site_header = "CCTV portal administration"

urlpatterns = [
    path("", include("zones.urls")),
    path("cameras/", include("cameras.urls")),
    path("audit/", include("oversight.urls")),
    path("conventions/", include("conventions.urls")),
    path("gateway/", include("media.urls")),
    path("live/", include("footage.urls.live")),
    path("requests/", include("footage.urls.requests")),
    path("playback/", include("footage.urls.playback")),
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
