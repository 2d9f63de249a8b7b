"""/diagnostico/importaciones/: answers collected by phone or on paper (namespace diagnosis)."""

from django.urls import path

from . import views_import as views

urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("nueva/", views.import_new, name="import_new"),
    path("plantilla.xlsx", views.import_template, {"fmt": "xlsx"}, name="import_template"),
    path("plantilla.csv", views.import_template, {"fmt": "csv"}, name="import_template_csv"),
    path("<uuid:public_id>/", views.import_detail, name="import_detail"),
    path("<uuid:public_id>/progreso/", views.import_progress, name="import_progress"),
    path("<uuid:public_id>/problemas/", views.import_issues, name="import_issues"),
    path("<uuid:public_id>/reanudar/", views.import_resume, name="import_resume"),
    path(
        "<uuid:public_id>/problemas.csv",
        views.import_issues_export,
        {"fmt": "csv"},
        name="import_issues_csv",
    ),
    path(
        "<uuid:public_id>/problemas.xlsx",
        views.import_issues_export,
        {"fmt": "xlsx"},
        name="import_issues_xlsx",
    ),
    path(
        "<uuid:public_id>/rechazadas.csv",
        views.import_rejected_export,
        {"fmt": "csv"},
        name="import_rejected_csv",
    ),
    path(
        "<uuid:public_id>/rechazadas.xlsx",
        views.import_rejected_export,
        {"fmt": "xlsx"},
        name="import_rejected_xlsx",
    ),
]
