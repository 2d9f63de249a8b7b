"""Public certificate checks: anyone, without an account, can see whether a code is valid.

The pages are light and work without JavaScript. Lookups of unknown codes are counted per
client address; past the limit the page asks to wait, so codes cannot be tried in bulk (they
are 80 random bits anyway). Programme staff who may revoke a certificate see the form here.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rutapyme.accounts import throttle

from . import selectors, services
from .codes import code_display, code_normalise
from .forms import RevokeForm, VerifyForm
from .models import Certificate
from .permissions import can_revoke_certificate

VERIFY_POLICY = throttle.Policy("verify", email_limit=0, ip_limit=60, window=600)


@require_http_methods(["GET"])
def verify(request):
    form = VerifyForm(request.GET or None)
    if form.is_valid():
        return redirect("verify:code", form.cleaned_data["code"])
    return render(request, "learning/verify.html", {"form": form})


@require_http_methods(["GET"])
def verify_code(request, code):
    normalised = code_normalise(code)
    if normalised and normalised != code:
        return redirect("verify:code", normalised)
    ip = throttle.client_ip(request)
    wait = throttle.wait_minutes(VERIFY_POLICY, email="", ip=ip)
    if wait:
        return render(request, "learning/verify_wait.html", {"minutes": wait}, status=429)
    certificate = selectors.certificate_by_code(code=normalised) if normalised else None
    if certificate is None:
        throttle.record(VERIFY_POLICY, email="", ip=ip)
        return render(
            request,
            "learning/verify.html",
            {"form": VerifyForm(initial={"code": code}), "not_found": code},
            status=404,
        )
    may_revoke = can_revoke_certificate(request.user, certificate)
    return render(
        request,
        "learning/verify_result.html",
        {
            "certificate": certificate,
            "display_code": code_display(certificate.code),
            "may_revoke": may_revoke and certificate.is_valid,
            "revoke_form": RevokeForm() if may_revoke else None,
        },
    )


@require_POST
def revoke(request, code):
    certificate = get_object_or_404(Certificate, code=code)
    if not can_revoke_certificate(request.user, certificate):
        raise Http404
    form = RevokeForm(request.POST)
    if not certificate.is_valid:
        messages.info(request, _("Este certificado ya estaba revocado."))
        return redirect("verify:code", certificate.code)
    if not form.is_valid():
        return render(
            request,
            "learning/verify_result.html",
            {
                "certificate": certificate,
                "display_code": code_display(certificate.code),
                "may_revoke": True,
                "revoke_form": form,
            },
            status=400,
        )
    services.certificate_revoke(
        certificate=certificate, user=request.user, reason=form.cleaned_data["reason"]
    )
    messages.success(request, _("Certificado revocado. La página de verificación ya lo indica."))
    return redirect("verify:code", certificate.code)
