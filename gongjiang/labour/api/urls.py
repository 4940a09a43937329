from rest_framework.routers import DefaultRouter

from gongjiang.labour.api.forecast import LineViewSet, ProjectViewSet, RunViewSet, WarningViewSet
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
router.register("forecasts", RunViewSet, basename="api-labour-forecast")
router.register("forecast-lines", LineViewSet, basename="api-labour-forecastline")
router.register("shortage-warnings", WarningViewSet, basename="api-labour-warning")
router.register("major-projects", ProjectViewSet, basename="api-labour-project")

urlpatterns = router.urls
