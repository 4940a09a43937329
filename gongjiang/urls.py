from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from gongjiang.core import views as core_views
from gongjiang.portal import views as portal_views
from gongjiang.portal.api import CredentialVerifyView, PublicVerifyView

urlpatterns = [
    # The public verification API first: it is the busiest address, and Django tries patterns in order
    # (reaching it through the includes below cost more than the lookup's own Python work).
    path("api/verify/", PublicVerifyView.as_view(), name="api-verify"),
    path("api/verify/credential/", CredentialVerifyView.as_view(), name="api-verify-credential"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", core_views.LogoutView.as_view(), name="logout"),
    path("accounts/otp/", core_views.otp_verify, name="otp-verify"),
    path("accounts/otp/setup/", core_views.otp_setup, name="otp-setup"),
    path("", portal_views.home, name="home"),
    *core_views.CHANGE_LOG.urls(),
    path("", include("gongjiang.core.pickers")),
    path("registry/", include("gongjiang.registry.urls")),
    path("credentials/", include("gongjiang.credentials.urls")),
    path("training/", include("gongjiang.training.urls")),
    path("evaluation/", include("gongjiang.evaluation.urls")),
    path("competitions/", include("gongjiang.competitions.urls")),
    path("wages/", include("gongjiang.wages.urls")),
    path("honours/", include("gongjiang.honours.urls")),
    path("labour/", include("gongjiang.labour.urls")),
    path("imports/", include("gongjiang.imports.urls")),
    path("verify/", include("gongjiang.portal.urls")),
    path("me/", include("gongjiang.portal.me_urls")),
    path("healthz/", portal_views.healthz, name="healthz"),
    path("monitoring/", include("gongjiang.monitoring.urls")),
    path("policy/", include("gongjiang.policy.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/training/", include("gongjiang.training.api.urls")),
    path("api/policy/", include("gongjiang.policy.api.urls")),
    path("api/evaluation/", include("gongjiang.evaluation.api.urls")),
    path("api/wages/", include("gongjiang.wages.api.urls")),
    path("api/competitions/", include("gongjiang.competitions.api.urls")),
    path("api/honours/", include("gongjiang.honours.api.urls")),
    path("api/labour/", include("gongjiang.labour.api.urls")),
    path("api/", include("gongjiang.api_urls")),
]

handler403 = "gongjiang.core.errors.forbidden"
handler404 = "gongjiang.core.errors.not_found"
handler500 = "gongjiang.core.errors.server_error"
