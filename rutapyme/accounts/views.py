from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .forms import EmailAuthenticationForm


def login_view(request):
    return auth_views.LoginView.as_view(
        template_name="accounts/login.html",
        authentication_form=EmailAuthenticationForm,
        redirect_authenticated_user=True,
    )(request)


@login_required
def profile(request):
    return render(request, "accounts/profile.html")
