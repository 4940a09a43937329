from gongjiang.labour import views

app_name = "labour"

urlpatterns = [pattern for register in views.REGISTERS for pattern in register.urls()]
