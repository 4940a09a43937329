from django.urls import path
from rest_framework.routers import SimpleRouter

from gongjiang.monitoring.api import views

router = SimpleRouter()
router.register("targets", views.TargetViewSet, basename="api-monitoring-target")
router.register("carriers", views.CarrierViewSet, basename="api-monitoring-carrier")

urlpatterns = [
    path("indicators/", views.indicators, name="api-monitoring-indicators"),
    path("values/", views.values, name="api-monitoring-values"),
    path("dashboard/", views.dashboard, name="api-monitoring-dashboard"),
    path("breakdowns/", views.breakdowns, name="api-monitoring-breakdowns"),
    path("map/", views.map_view, name="api-monitoring-map"),
    path("warnings/", views.warnings, name="api-monitoring-warnings"),
    path("forecasts/", views.forecasts, name="api-monitoring-forecasts"),
    path("rollup/", views.rollup_status, name="api-monitoring-rollup"),
    path("rollup/update/", views.rollup_update, name="api-monitoring-rollup-update"),
    path("rollup/rebuild/", views.rollup_rebuild, name="api-monitoring-rollup-rebuild"),
    *router.urls,
]
