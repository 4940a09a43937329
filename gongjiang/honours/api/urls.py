from rest_framework.routers import DefaultRouter

from gongjiang.honours.api import views

router = DefaultRouter()
router.register("calls", views.HonourCallViewSet, basename="api-honour-call")
router.register("nominations", views.NominationViewSet, basename="api-nomination")
router.register("honours", views.HonourViewSet, basename="api-honour")
router.register("awards", views.AwardApplicationViewSet, basename="api-award")
router.register("instalments", views.AwardInstalmentViewSet, basename="api-award-instalment")

urlpatterns = router.urls
