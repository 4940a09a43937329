from rest_framework.routers import DefaultRouter

from gongjiang.wages.api.views import CellViewSet, EditionViewSet

router = DefaultRouter()
router.register("editions", EditionViewSet, basename="api-wages-edition")
router.register("cells", CellViewSet, basename="api-wages-cell")

urlpatterns = router.urls
