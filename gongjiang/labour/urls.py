from gongjiang.labour import fair_views, views

app_name = "labour"

urlpatterns = [pattern for register in (*views.REGISTERS, *fair_views.REGISTERS) for pattern in register.urls()]
