from rest_framework.routers import DefaultRouter

from gongjiang.competitions.api.views import CompetitionViewSet

router = DefaultRouter()
router.register("", CompetitionViewSet, basename="api-competition")

urlpatterns = router.urls
