from django.urls import path

from . import views

app_name = "learning"

urlpatterns = [
    path("", views.route, name="route"),
    path("empresa/", views.choose_firm, name="choose_firm"),
    path("certificados/", views.certificates, name="certificates"),
    path("certificados/<str:code>.pdf", views.certificate_download, name="certificate_pdf"),
    path("vista-previa/<int:version_id>/", views.preview, name="preview"),
    path(
        "vista-previa/<int:version_id>/cuestionario/<slug:module_slug>/",
        views.preview_quiz,
        name="preview_quiz",
    ),
    path(
        "vista-previa/<int:version_id>/<slug:lesson_slug>/",
        views.preview_lesson,
        name="preview_lesson",
    ),
    path("cursos/<slug:slug>/", views.course, name="course"),
    path("cursos/<slug:slug>/cuestionario/<slug:module_slug>/", views.quiz, name="quiz"),
    path(
        "cursos/<slug:slug>/cuestionario/<slug:module_slug>/intento/<int:number>/",
        views.attempt,
        name="attempt",
    ),
    path("cursos/<slug:slug>/<slug:lesson_slug>/", views.lesson, name="lesson"),
]
