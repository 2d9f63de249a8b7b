"""URLs of the staff pages (see views_staff.py)."""

from django.urls import path

from . import views_staff as views

urlpatterns = [
    path("programas/", views.programme_list, name="programme_list"),
    path("programas/nuevo/", views.programme_create, name="programme_create"),
    path("programas/<uuid:public_id>/", views.programme_detail, name="programme_detail"),
    path("programas/<uuid:public_id>/editar/", views.programme_edit, name="programme_edit"),
    path(
        "programas/<uuid:public_id>/promociones/nueva/",
        views.cohort_create,
        name="cohort_create",
    ),
    path("promociones/<uuid:public_id>/", views.cohort_detail, name="cohort_detail"),
    path("promociones/<uuid:public_id>/editar/", views.cohort_edit, name="cohort_edit"),
    path("promociones/<uuid:public_id>/invitar/", views.cohort_invite, name="cohort_invite"),
    path(
        "promociones/<uuid:public_id>/envios/<uuid:batch_id>/",
        views.batch_detail,
        name="batch_detail",
    ),
    path(
        "promociones/<uuid:public_id>/envios/<uuid:batch_id>/progreso/",
        views.batch_progress,
        name="batch_progress",
    ),
    path(
        "promociones/<uuid:public_id>/envios/<uuid:batch_id>/reanudar/",
        views.batch_resume,
        name="batch_resume",
    ),
    path(
        "promociones/<uuid:public_id>/enlaces.csv",
        views.invitation_links,
        {"fmt": "csv"},
        name="invitation_links_csv",
    ),
    path(
        "promociones/<uuid:public_id>/enlaces.xlsx",
        views.invitation_links,
        {"fmt": "xlsx"},
        name="invitation_links_xlsx",
    ),
    path(
        "promociones/<uuid:public_id>/sesiones/nueva/",
        views.session_create,
        name="session_create",
    ),
    path("sesiones/<uuid:public_id>/editar/", views.session_edit, name="session_edit"),
    path(
        "sesiones/<uuid:public_id>/asistencia/",
        views.session_attendance,
        name="session_attendance",
    ),
    path("inscripciones/<uuid:public_id>/retirar/", views.enrolment_drop, name="enrolment_drop"),
    path("empresas/<uuid:public_id>/invitar/", views.firm_invite, name="firm_invite"),
]
