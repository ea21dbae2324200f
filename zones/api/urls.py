from rest_framework.routers import DefaultRouter

from .views import ApiTokenViewSet, MembershipViewSet, MunicipalityViewSet, OrganisationViewSet

router = DefaultRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("municipalities", MunicipalityViewSet, basename="municipality")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("tokens", ApiTokenViewSet, basename="apitoken")

urlpatterns = router.urls
