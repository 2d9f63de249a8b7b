from django.urls import path

from . import views

app_name = "firms"

urlpatterns = [
    path("registro/", views.register, name="register"),
    path("inicio/", views.dashboard, name="dashboard"),
    path("", views.firm_list, name="list"),
    path("exportar.csv", views.firm_export, {"fmt": "csv"}, name="export_csv"),
    path("exportar.xlsx", views.firm_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/editar/", views.edit, name="edit"),
]
