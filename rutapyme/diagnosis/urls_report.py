from django.urls import path

from . import views_report

# Included under /diagnostico/informe/ in the `diagnosis` namespace.
urlpatterns = [
    path("", views_report.report, name="report"),
    path("descargar/todo.xlsx", views_report.workbook, name="report_workbook"),
    path("descargar/<slug:code>.<str:fmt>", views_report.download, name="report_download"),
]
