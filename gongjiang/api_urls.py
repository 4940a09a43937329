from django.urls import include, path
from rest_framework.routers import DefaultRouter

from gongjiang.credentials.api.views import CertificateViewSet
from gongjiang.imports.api.views import ImportJobViewSet
from gongjiang.reference.api.views import IndustryViewSet, OccupationViewSet, RegionViewSet, SkillLevelViewSet
from gongjiang.registry.api.views import EmploymentStatViewSet, EmploymentViewSet, OrganisationViewSet, PersonViewSet

router = DefaultRouter()
router.register("persons", PersonViewSet, basename="api-person")
router.register("organisations", OrganisationViewSet, basename="api-organisation")
router.register("employments", EmploymentViewSet, basename="api-employment")
router.register("employment-stats", EmploymentStatViewSet, basename="api-employmentstat")
router.register("certificates", CertificateViewSet, basename="api-certificate")
router.register("imports", ImportJobViewSet, basename="api-importjob")
router.register("reference/regions", RegionViewSet, basename="api-region")
router.register("reference/occupations", OccupationViewSet, basename="api-occupation")
router.register("reference/industries", IndustryViewSet, basename="api-industry")
router.register("reference/skill-levels", SkillLevelViewSet, basename="api-skilllevel")

urlpatterns = [
    path("monitoring/", include("gongjiang.monitoring.api.urls")),
    *router.urls,
]
