from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("ingresar/", views.LoginView.as_view(), name="login"),
    path("ingresar/codigo/", views.login_token, name="login_token"),
    path("salir/", auth_views.LogoutView.as_view(), name="logout"),  # POST only (Django 5)
    path("perfil/", views.profile, name="profile"),
    path("perfil/dos-pasos/", views.two_factor, name="two_factor"),
    path("perfil/dos-pasos/activar/", views.two_factor_start, name="two_factor_start"),
    path("perfil/dos-pasos/confirmar/", views.two_factor_confirm, name="two_factor_confirm"),
    path("perfil/dos-pasos/desactivar/", views.two_factor_disable, name="two_factor_disable"),
    path("perfil/dos-pasos/codigos/", views.two_factor_backup_codes, name="two_factor_codes"),
    path("clave/cambiar/", views.PasswordChangeView.as_view(), name="password_change"),
    path("clave/olvido/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "clave/enviado/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "clave/nueva/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "clave/lista/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
