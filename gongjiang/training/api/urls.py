from rest_framework.routers import DefaultRouter

from gongjiang.training.api import views

router = DefaultRouter()
router.register("designations", views.DesignationViewSet, basename="api-training-designation")
router.register("catalog", views.CatalogViewSet, basename="api-training-catalog")
router.register("needs", views.NeedViewSet, basename="api-training-need")
router.register("applications", views.ApplicationViewSet, basename="api-training-application")
router.register("classes", views.ClassViewSet, basename="api-training-class")
router.register("claims", views.ClaimViewSet, basename="api-training-claim")
router.register("batches", views.BatchViewSet, basename="api-training-batch")
router.register("findings", views.FindingViewSet, basename="api-training-finding")
router.register("samples", views.SampleViewSet, basename="api-training-sample")

urlpatterns = router.urls
