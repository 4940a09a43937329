from django.urls import path

from gongjiang.policy import views

app_name = "policy"
urlpatterns = [
    path("", views.index, name="index"),
    path("documents/<str:code>/", views.document_detail, name="document"),
    path("sets/<slug:name>/", views.set_detail, name="set"),
    path("evaluate/", views.evaluate_page, name="evaluate"),
    path("diff/", views.diff_page, name="diff"),
    path("drafts/<int:pk>/diff/", views.draft_diff, name="draft-diff"),  # before the register's step address
    *views.DRAFTS.urls(),
]
