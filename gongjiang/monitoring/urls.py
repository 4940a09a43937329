from django.urls import path

from gongjiang.monitoring import views

urlpatterns = [
    path("", views.index, name="monitoring"),
    path("region/<str:code>/", views.region_dashboard, name="monitoring-region"),
    path("map/<str:code>/", views.region_map, name="monitoring-map"),
    path("warnings/<str:code>/", views.warnings_list, name="monitoring-warnings"),
    path("forecasts/<str:code>/", views.forecasts_page, name="monitoring-forecasts"),
    path("targets/", views.targets_list, name="monitoring-targets"),
    path("targets/<int:pk>/edit/", views.target_edit, name="monitoring-target-edit"),
    path("indicators/", views.indicators_page, name="monitoring-indicators"),
    path("rollup/", views.rollup_status, name="monitoring-rollup"),
    path("rollup/refresh/", views.rollup_refresh, name="monitoring-rollup-refresh"),
    # Public, without signing in: the carriers recognised today.
    path("carriers/recognised/", views.public_carriers, name="carriers-public"),
    *views.CARRIERS.urls(),
]
