from django.urls import include, path, re_path

from gongjiang.wages import public_views, views

app_name = "wages"

urlpatterns = [
    # Public, without signing in.
    path("", public_views.search, name="search"),
    path("method/", public_views.method, name="method"),
    path("cells/<int:pk>/", public_views.cell_page, name="cell"),
    path("published/<int:pk>/", public_views.edition_page, name="published"),
    re_path(r"^published/(?P<pk>[0-9]+)/(?P<fmt>xlsx|pdf)/$", public_views.edition_file, name="published-file"),
    # The bureau's and the enterprises' pages.
    path("manage/survey-template.xlsx", views.survey_template, name="survey-template"),
    re_path(r"^manage/editions/(?P<pk>[0-9]+)/file/(?P<fmt>xlsx|pdf)/$", views.edition_export, name="edition-file"),
    path("manage/editions/<int:pk>/estimation/", views.edition_estimation, name="edition-estimation"),
    path("manage/", include([pattern for register in views.REGISTERS for pattern in register.urls()])),
]
