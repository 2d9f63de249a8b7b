from django.urls import include, path

app_name = "diagnosis"

# Three parts with their own modules: the firm's questionnaire and results, the programme's
# report, and the import of answers collected by phone or on paper.
urlpatterns = [
    path("", include("rutapyme.diagnosis.urls_firm")),
    path("informe/", include("rutapyme.diagnosis.urls_report")),
    path("importaciones/", include("rutapyme.diagnosis.urls_import")),
]
