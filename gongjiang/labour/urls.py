from django.urls import path

from gongjiang.labour import fair_views, views, views_forecast

app_name = "labour"

urlpatterns = [pattern for register in (*views.REGISTERS, *fair_views.REGISTERS) for pattern in register.urls()]
urlpatterns += [pattern for register in views_forecast.FORECAST_REGISTERS for pattern in register.urls()]
urlpatterns += [
    path("forecasts/<int:pk>/progress/", views_forecast.run_progress_view, name="forecast-progress"),
]
