from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("escala/", views.scale, name="scale"),
    path("empresa/<uuid:firm_id>/empezar/", views.start, name="start"),
    path("empresa/<uuid:firm_id>/historial/", views.history, name="history"),
    path("<uuid:public_id>/", views.result, name="result"),
    path("<uuid:public_id>/paso/<slug:step_code>/", views.step, name="step"),
]
