"""The firm side of a programme: the personal invitation link and the firm's milestones.

The invitation link (`/unirse/<token>/`) needs no account: the token is the enrolment's
secret. Step 1 confirms the firm's data, step 2 creates the person's account (or, for a
signed-in member of the firm, is a single "Unirme" button); step 2 requires step 1 done in
the same session. A link that matches no enrolment is a 404 page that says so. A signed-in
person who is not a member of the invited firm may not answer for it: the page explains and
offers to sign out.

Milestones (`/empresas/<firm>/hitos/`) are seen by whoever sees the firm and reported only by
its own members; anyone else gets a 404.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from rutapyme.accounts.throttle import client_ip
from rutapyme.core.countries import ALADI_COUNTRIES, world_countries
from rutapyme.core.money import Money
from rutapyme.firms.models import Firm, FirmMembership
from rutapyme.firms.permissions import get_firm_for_view

from . import selectors, services
from .forms_join import DeclineForm, JoinAccountForm, JoinFirmForm, OutcomeForm
from .models import Enrolment, Outcome
from .selectors import with_waitlist_position
from .templatetags.programmes_tags import state_words

State = Enrolment.State
STEP1_SESSION_KEY = "programmes_join_confirmed"  # public ids of enrolments whose step 1 is done
STEP1_REMEMBERED = 5
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

ANONYMOUS, MEMBER, OTHER = "anonymous", "member", "other"


# --- Helpers ----------------------------------------------------------------------------------


def _expired(enrolment: Enrolment) -> bool:
    """An invitation not answered while its cohort ran (or its programme was closed)."""
    cohort = enrolment.cohort
    return enrolment.state == State.INVITED and (
        cohort.ends_on < timezone.localdate() or not cohort.programme.is_active
    )


def _link(request, token) -> tuple[Enrolment | None, object]:
    """The enrolment of the link, or the 404 page for a link that matches none or expired."""
    enrolment = services.enrolment_by_token(token)
    if enrolment is None:
        return None, render(request, "programmes/join/invalid.html", status=404)
    if _expired(enrolment):
        return None, render(
            request,
            "programmes/join/invalid.html",
            {"expired": True, "cohort": enrolment.cohort},
            status=404,
        )
    return enrolment, None


def _viewer(request, enrolment: Enrolment) -> str:
    """Who opened the link: nobody signed in, a member of the invited firm, or someone else."""
    user = request.user
    if not user.is_authenticated:
        return ANONYMOUS
    if FirmMembership.objects.filter(firm_id=enrolment.firm_id, user=user).exists():
        return MEMBER
    return OTHER


def _step1_done(request, enrolment: Enrolment) -> bool:
    return str(enrolment.public_id) in request.session.get(STEP1_SESSION_KEY, [])


def _remember_step1(request, enrolment: Enrolment) -> None:
    done = [i for i in request.session.get(STEP1_SESSION_KEY, []) if i != str(enrolment.public_id)]
    request.session[STEP1_SESSION_KEY] = [*done, str(enrolment.public_id)][-STEP1_REMEMBERED:]


def _forget_step1(request, enrolment: Enrolment) -> None:
    done = request.session.get(STEP1_SESSION_KEY, [])
    if str(enrolment.public_id) in done:
        request.session[STEP1_SESSION_KEY] = [i for i in done if i != str(enrolment.public_id)]


def _waitlist_position(enrolment: Enrolment) -> int | None:
    if enrolment.state != State.WAITLISTED:
        return None
    return (
        with_waitlist_position(Enrolment.objects.filter(pk=enrolment.pk))
        .values_list("waitlist_position", flat=True)
        .first()
    )


def _add_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: each key next to its field."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _invitation_context(enrolment: Enrolment) -> dict:
    cohort = enrolment.cohort
    taken = selectors.places_taken(cohort)
    country = ALADI_COUNTRIES.get(enrolment.firm.country)
    return {
        "enrolment": enrolment,
        "cohort": cohort,
        "programme": cohort.programme,
        "firm": enrolment.firm,
        "courses": list(cohort.courses.select_related("published")),
        "session_count": cohort.sessions.count(),
        "places_left": max(0, cohort.capacity - taken),
        "token": enrolment.token,
        "tax_id_label": country.tax_id_label if country else _("Identificación tributaria"),
    }


def _answered(request, enrolment: Enrolment):
    """The link of an invitation already answered: where the firm stands."""
    enrolment.waitlist_position = _waitlist_position(enrolment)
    return render(
        request,
        "programmes/join/answered.html",
        {
            "enrolment": enrolment,
            "cohort": enrolment.cohort,
            "programme": enrolment.cohort.programme,
            "firm": enrolment.firm,
            "state_words": state_words(enrolment),
            "in_cohort": enrolment.has_joined or enrolment.state == State.WAITLISTED,
            "login_next": reverse("firms:dashboard"),
        },
    )


def _not_member(request, enrolment: Enrolment, *, status: int = 200):
    return render(
        request,
        "programmes/join/not_member.html",
        {"enrolment": enrolment, "firm": enrolment.firm, "token": enrolment.token},
        status=status,
    )


# --- The invitation link ----------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def join(request, token):
    """Step 1 of 2: the invitation, and the firm confirms its data."""
    enrolment, refused = _link(request, token)
    if refused is not None:
        return refused
    if enrolment.state != State.INVITED:
        return _answered(request, enrolment)
    viewer = _viewer(request, enrolment)
    if viewer == OTHER:
        return _not_member(request, enrolment, status=403 if request.method == "POST" else 200)
    form = JoinFirmForm(
        request.POST if request.method == "POST" else None,
        instance=Firm.objects.get(pk=enrolment.firm_id),
    )
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        data["size_band"] = form.cleaned_data["size_band"]
        services.join_confirm_firm(enrolment=enrolment, **data)
        _remember_step1(request, enrolment)
        return redirect("programmes:join_account", token=enrolment.token)
    return render(
        request,
        "programmes/join/step1.html",
        {**_invitation_context(enrolment), "form": form, "is_member": viewer == MEMBER},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def join_account(request, token):
    """Step 2 of 2: create the password (or, for a member already signed in, one button)."""
    enrolment, refused = _link(request, token)
    if refused is not None:
        return refused
    if enrolment.has_joined or enrolment.state == State.WAITLISTED:
        # Sent twice (a double tap on a slow line): the first one joined.
        return redirect("programmes:join_done", token=enrolment.token)
    if enrolment.state != State.INVITED:
        return redirect("programmes:join", token=enrolment.token)
    viewer = _viewer(request, enrolment)
    if viewer == OTHER:
        return _not_member(request, enrolment, status=403 if request.method == "POST" else 200)
    if not _step1_done(request, enrolment):
        messages.info(request, _("Primero confirme los datos de su empresa."))
        return redirect("programmes:join", token=enrolment.token)
    context = _invitation_context(enrolment)

    if viewer == MEMBER:
        if request.method == "POST":
            try:
                services.join_as_member(enrolment=enrolment, user=request.user)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
                return redirect("programmes:join", token=enrolment.token)
            _forget_step1(request, enrolment)
            return redirect("programmes:join_done", token=enrolment.token)
        return render(request, "programmes/join/step2_member.html", context)

    form = JoinAccountForm(
        request.POST if request.method == "POST" else None, initial={"email": enrolment.email}
    )
    email_taken = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.join_create_account(
                enrolment=enrolment,
                email=data["email"],
                full_name=data["full_name"],
                password=data["password"],
                ip_address=client_ip(request),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            email_taken = form.has_error("email")
        except IntegrityError:
            # The same form sent twice at once (a double tap on a slow line): the other
            # request created the account.
            form.add_error(
                "email", _("Ya existe una cuenta con este correo. Ingrese con su contraseña.")
            )
            email_taken = True
        else:
            login(request, result.user, backend=MODEL_BACKEND)
            _forget_step1(request, enrolment)
            return redirect("programmes:join_done", token=enrolment.token)
    login_url = reverse("accounts:login")
    return render(
        request,
        "programmes/join/step2.html",
        {
            **context,
            "form": form,
            "email_taken": email_taken,
            "login_url": login_url,
            "join_url": reverse("programmes:join", kwargs={"token": enrolment.token}),
        },
    )


@never_cache
@require_GET
def join_done(request, token):
    """The firm is in the cohort (or on its waiting list): what to do next."""
    enrolment, refused = _link(request, token)
    if refused is not None:
        return refused
    if not (enrolment.has_joined or enrolment.state == State.WAITLISTED):
        return redirect("programmes:join", token=enrolment.token)
    return render(
        request,
        "programmes/join/done.html",
        {
            "enrolment": enrolment,
            "cohort": enrolment.cohort,
            "programme": enrolment.cohort.programme,
            "firm": enrolment.firm,
            "waitlist_position": _waitlist_position(enrolment),
            "is_member": _viewer(request, enrolment) == MEMBER,
            "done_url": request.get_full_path(),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def join_decline(request, token):
    """ "No me interesa": a confirmation with an optional reason, then thanks."""
    enrolment, refused = _link(request, token)
    if refused is not None:
        return refused
    if enrolment.state == State.DECLINED:
        return render(
            request,
            "programmes/join/declined.html",
            {"enrolment": enrolment, "cohort": enrolment.cohort, "firm": enrolment.firm},
        )
    if enrolment.state != State.INVITED:
        return _answered(request, enrolment)
    if _viewer(request, enrolment) == OTHER:
        return _not_member(request, enrolment, status=403 if request.method == "POST" else 200)
    form = DeclineForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enrolment_decline(enrolment=enrolment, reason=form.cleaned_data["reason"])
        except ValidationError:
            return redirect("programmes:join", token=enrolment.token)
        return redirect("programmes:join_decline", token=enrolment.token)
    return render(
        request,
        "programmes/join/decline.html",
        {
            "enrolment": enrolment,
            "cohort": enrolment.cohort,
            "programme": enrolment.cohort.programme,
            "firm": enrolment.firm,
            "form": form,
            "token": enrolment.token,
        },
    )


# --- Milestones -------------------------------------------------------------------------------


def _is_member(user, firm: Firm) -> bool:
    return FirmMembership.objects.filter(firm=firm, user=user).exists()


def _firm_for_report(user, public_id) -> Firm:
    """Only the firm's own people report its milestones; anyone else gets a 404."""
    firm = get_firm_for_view(user, public_id)
    if not _is_member(user, firm):
        raise Http404
    return firm


def _outcome_rows(outcomes) -> list[dict]:
    countries = world_countries()
    return [
        {
            "outcome": o,
            "destination": countries.get(o.destination_country, o.destination_country),
            "money": Money(o.amount, o.currency).format()
            if o.amount is not None and o.currency
            else "",
        }
        for o in outcomes
    ]


@login_required
@require_GET
def outcome_list(request, public_id):
    firm = get_firm_for_view(request.user, public_id)
    outcomes = list(Outcome.objects.filter(firm=firm).order_by("occurred_on", "kind"))
    reported = {o.kind for o in outcomes}
    return render(
        request,
        "programmes/outcomes/list.html",
        {
            "firm": firm,
            "rows": _outcome_rows(outcomes),
            "can_report": _is_member(request.user, firm),
            "missing_kinds": [(k, v) for k, v in Outcome.Kind.choices if k not in reported],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def outcome_report(request, public_id):
    firm = _firm_for_report(request.user, public_id)
    kind = request.GET.get("hito", "")
    if kind not in Outcome.Kind.values:
        kind = ""
    existing = Outcome.objects.filter(firm=firm, kind=kind).first() if kind else None
    if request.method == "POST":
        form = OutcomeForm(request.POST, country=firm.country)
        if form.is_valid():
            data = form.service_kwargs()
            correcting = Outcome.objects.filter(firm=firm, kind=data["kind"]).exists()
            try:
                services.outcome_report(firm=firm, by=request.user, **data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                if correcting:
                    messages.success(request, _("Corregimos el hito."))
                else:
                    messages.success(request, _("¡Felicitaciones! Guardamos su logro."))
                return redirect("programmes:outcome_list", public_id=firm.public_id)
    elif existing is not None:
        form = OutcomeForm(initial=OutcomeForm.initial_from(existing), country=firm.country)
    else:
        initial = {"occurred_on": timezone.localdate()}
        if kind:
            initial["kind"] = kind
        form = OutcomeForm(initial=initial, country=firm.country)
    return render(
        request,
        "programmes/outcomes/report.html",
        {"firm": firm, "form": form, "existing": existing},
    )
