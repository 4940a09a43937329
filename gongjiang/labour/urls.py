from gongjiang.labour import views, views_forecast

app_name = "labour"

urlpatterns = [pattern for register in views.REGISTERS for pattern in register.urls()]
urlpatterns += [pattern for register in views_forecast.FORECAST_REGISTERS for pattern in register.urls()]
