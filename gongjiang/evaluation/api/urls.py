from rest_framework.routers import DefaultRouter

from gongjiang.evaluation.api.views import InstitutionViewSet, PlanViewSet, ResourceViewSet

router = DefaultRouter()
router.register("institutions", InstitutionViewSet, basename="api-evaluation-institution")
router.register("plans", PlanViewSet, basename="api-evaluation-plan")
router.register("resources", ResourceViewSet, basename="api-evaluation-resource")

urlpatterns = router.urls
