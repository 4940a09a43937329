from rest_framework.routers import DefaultRouter

from gongjiang.labour.api.views import (
    CatalogViewSet,
    FairViewSet,
    OrderClassViewSet,
    PostViewSet,
    RoundViewSet,
    SeekerViewSet,
)

router = DefaultRouter()
router.register("posts", PostViewSet, basename="api-labour-post")
router.register("catalogs", CatalogViewSet, basename="api-labour-catalog")
router.register("fairs", FairViewSet, basename="api-labour-fair")
router.register("classes", OrderClassViewSet, basename="api-labour-class")
router.register("rounds", RoundViewSet, basename="api-labour-round")
router.register("seekers", SeekerViewSet, basename="api-labour-seeker")

urlpatterns = router.urls
