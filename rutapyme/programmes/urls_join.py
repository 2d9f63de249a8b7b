"""URLs of the join pages (see views_join.py): the personal invitation link under /unirse/ and
the firm's milestones under /empresas/<firm>/hitos/."""

from django.urls import path

from . import views_join

urlpatterns = [
    path("unirse/<str:token>/", views_join.join, name="join"),
    path("unirse/<str:token>/cuenta/", views_join.join_account, name="join_account"),
    path("unirse/<str:token>/listo/", views_join.join_done, name="join_done"),
    path("unirse/<str:token>/no/", views_join.join_decline, name="join_decline"),
    path("empresas/<uuid:public_id>/hitos/", views_join.outcome_list, name="outcome_list"),
    path(
        "empresas/<uuid:public_id>/hitos/nuevo/",
        views_join.outcome_report,
        name="outcome_report",
    ),
]
