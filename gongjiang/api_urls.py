from rest_framework.routers import DefaultRouter

from gongjiang.credentials.api.views import CertificateViewSet
from gongjiang.reference.api.views import IndustryViewSet, OccupationViewSet, RegionViewSet, SkillLevelViewSet
from gongjiang.registry.api.views import EmploymentStatViewSet, EmploymentViewSet, OrganisationViewSet, PersonViewSet

router = DefaultRouter()
router.register("persons", PersonViewSet, basename="person")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("employments", EmploymentViewSet, basename="employment")
router.register("employment-stats", EmploymentStatViewSet, basename="employmentstat")
router.register("certificates", CertificateViewSet, basename="certificate")
router.register("reference/regions", RegionViewSet, basename="region")
router.register("reference/occupations", OccupationViewSet, basename="occupation")
router.register("reference/industries", IndustryViewSet, basename="industry")
router.register("reference/skill-levels", SkillLevelViewSet, basename="skilllevel")

urlpatterns = router.urls
