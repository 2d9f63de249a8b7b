"""URLs of the dashboard pages (see views_dashboard.py)."""

from django.urls import path

from . import views_dashboard as views

urlpatterns = [
    path("tablero/", views.dashboard_page, name="dashboard"),
    path("tablero/actualizar/", views.dashboard_refresh, name="dashboard_refresh"),
    path("tablero/resumen/", views.dashboard_summary, name="dashboard_summary"),
    path("tablero/empresas/", views.dashboard_firms, name="dashboard_firms"),
    path("tablero/empresas.<str:fmt>", views.dashboard_firms_export, name="dashboard_firms_export"),
    path(
        "tablero/exportar/<slug:table>.<str:fmt>",
        views.dashboard_export,
        name="dashboard_export",
    ),
]
