"""The REST API under /api/v1/: one router, each app registers its resources here."""

from rest_framework.routers import DefaultRouter

from cameras.api.views import CameraViewSet
from conventions.api.views import ConventionViewSet, PublicKeyViewSet
from footage.api.views import EvidenceExportViewSet, FootageRequestViewSet, LiveSessionViewSet
from oversight.api.views import AccessLogViewSet
from zones.api.views import ApiTokenViewSet, MembershipViewSet, MunicipalityViewSet, OrganisationViewSet

router = DefaultRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("municipalities", MunicipalityViewSet, basename="municipality")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("tokens", ApiTokenViewSet, basename="apitoken")
router.register("cameras", CameraViewSet, basename="camera")
router.register("conventions", ConventionViewSet, basename="convention")
router.register("signing-keys", PublicKeyViewSet, basename="signingkey")
router.register("access-log", AccessLogViewSet, basename="accesslog")
router.register("live-sessions", LiveSessionViewSet, basename="livesession")
router.register("footage-requests", FootageRequestViewSet, basename="footagerequest")
router.register("exports", EvidenceExportViewSet, basename="evidenceexport")

urlpatterns = router.urls
