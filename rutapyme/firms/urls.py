from django.urls import path

from . import views, views_import

app_name = "firms"

urlpatterns = [
    path("registro/", views.register, name="register"),
    path("inicio/", views.dashboard, name="dashboard"),
    path("", views.firm_list, name="list"),
    path("exportar.csv", views.firm_export, {"fmt": "csv"}, name="export_csv"),
    path("exportar.xlsx", views.firm_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/editar/", views.edit, name="edit"),
    path("importar/", views_import.import_list, name="import_list"),
    path("importar/nueva/", views_import.import_new, name="import_new"),
    path("importar/<uuid:public_id>/", views_import.import_detail, name="import_detail"),
    path(
        "importar/<uuid:public_id>/progreso/",
        views_import.import_progress,
        name="import_progress",
    ),
    path("importar/<uuid:public_id>/reanudar/", views_import.import_resume, name="import_resume"),
    path("importar/<uuid:public_id>/filas/", views_import.import_issues, name="import_issues"),
    path(
        "importar/<uuid:public_id>/filas.csv",
        views_import.import_issues_export,
        {"fmt": "csv"},
        name="import_issues_export",
    ),
    path(
        "importar/<uuid:public_id>/filas.xlsx",
        views_import.import_issues_export,
        {"fmt": "xlsx"},
        name="import_issues_export_xlsx",
    ),
]
