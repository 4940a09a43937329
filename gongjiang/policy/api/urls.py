from django.urls import path
from rest_framework.routers import DefaultRouter

from gongjiang.policy.api.views import DiffView, EvaluateView, PolicyDocumentViewSet, PolicySetViewSet

router = DefaultRouter()
router.register("documents", PolicyDocumentViewSet, basename="api-policy-document")
router.register("sets", PolicySetViewSet, basename="api-policy-set")

urlpatterns = [
    path("evaluate/", EvaluateView.as_view(), name="api-policy-evaluate"),
    path("diff/", DiffView.as_view(), name="api-policy-diff"),
    *router.urls,
]
