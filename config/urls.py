from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.urls import include, path
from django.views import defaults
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import APIException, NotFound

# The admin has no login of its own: people sign in through the portal (password + second factor). A person signed
# in who may not use the admin (not staff, or a session opened without the second factor: force_login, a shell) is
# refused rather than sent to the portal's login, which would send them straight back.
_portal_login = RedirectView.as_view(pattern_name="zones:login", query_string=True)
_staff_only = admin.site.has_permission


@login_not_required
def _admin_login(request, extra_context=None):
    if request.user.is_authenticated:
        raise PermissionDenied
    return _portal_login(request)


def _staff_with_second_factor(request):
    return _staff_only(request) and request.user.is_verified()


admin.site.login = _admin_login
admin.site.has_permission = _staff_with_second_factor
admin.site.site_header = "CCTV portal administration"

# An address under /api/ that no route matches (an id that is not a number, `/api/v1/cameras/0.5/`) or a crash there
# answers JSON like every other API answer, not the portal's HTML page; the schema documents these bodies.
API_PREFIX = "/api/"


def not_found(request, exception):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": str(APIException.default_detail)}, status=500)
    return defaults.server_error(request)


handler404 = not_found
handler500 = server_error

urlpatterns = [
    path("", include("zones.urls")),
    path("cameras/", include("cameras.urls")),
    path("audit/", include("oversight.urls")),
    path("conventions/", include("conventions.urls")),
    path("gateway/", include("media.urls")),
    path("live/", include("footage.urls.live")),
    path("requests/", include("footage.urls.requests")),
    path("playback/", include("footage.urls.playback")),
    path("holds/", include("footage.urls.holds")),
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
