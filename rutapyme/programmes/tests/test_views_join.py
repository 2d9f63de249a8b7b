"""The invitation link: two steps without an account, one click for a member already signed
in, the waiting list, refusals that change nothing, "no me interesa"; and the programmes card
of the firm page with its number of queries."""

import datetime
import re

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from rutapyme.accounts.models import User
from rutapyme.accounts.tests.factories import UserFactory
from rutapyme.accounts.tests.html import field_errors, form_values, non_field_errors
from rutapyme.core.testing import queries_for
from rutapyme.firms.models import ConsentRecord, Firm, FirmMembership
from rutapyme.firms.tests.factories import FirmFactory
from rutapyme.programmes.models import Cohort, Enrolment, Outcome, Programme
from rutapyme.programmes.views_join import STEP1_SESSION_KEY

from .conftest import client_for
from .factories import enrol, make_cohort, make_programme

pytestmark = pytest.mark.django_db

State = Enrolment.State
INVALID = "Este enlace no es válido"
NOT_VALID_ANY_MORE = "Esta invitación ya no está vigente. Pida una nueva al equipo del programa."
EMAIL_TAKEN = "Ya existe una cuenta con este correo. Ingrese con su contraseña."

ACCOUNT = {
    "full_name": "María Quishpe",
    "email": "maria@example.ec",
    "password": "tejidos-otavalo-2026",
    "password2": "tejidos-otavalo-2026",
    "consent": "on",
}


def _url(name, enrolment_or_token):
    token = getattr(enrolment_or_token, "token", enrolment_or_token)
    return reverse(f"programmes:{name}", kwargs={"token": token})


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def step1_payload(firm: Firm, **changes) -> dict:
    data = {
        "trade_name": firm.trade_name,
        "province": firm.province,
        "canton": firm.canton,
        "sector": firm.sector,
        "offer_type": firm.offer_type,
        "employees": firm.employees,
        "phone": firm.phone,
        "email": firm.email,
    }
    data.update(changes)
    return data


@pytest.fixture
def invited():
    """An invitation to a firm nobody has an account for yet."""
    firm = FirmFactory(
        legal_name="Quishpe Maria", trade_name="Tejidos Otavalo", province="EC-I",
        canton="Otavalo", employees=3, size_band="0-5", email="ventas@tejidos.ec",
    )  # fmt: skip
    cohort = make_cohort(make_programme(), name="Promoción 1", capacity=10)
    return enrol(cohort, firm)


def _snapshot():
    return (
        User.objects.count(),
        FirmMembership.objects.count(),
        ConsentRecord.objects.count(),
        list(Enrolment.objects.order_by("pk").values_list("state", "joined_at", "declined_at")),
    )


def _step1(client, enrolment, **changes):
    response = client.post(_url("join", enrolment), step1_payload(enrolment.firm, **changes))
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == _url("join_account", enrolment)
    return response


# --- Step 1 -----------------------------------------------------------------------------------


def test_the_invitation_shows_the_programme_and_the_firm_data_to_confirm(client, invited):
    response = client.get(_url("join", invited))

    assert response.status_code == 200
    text = _text(response)
    assert "Ecuador vende en línea" in text
    assert "Únase a «Promoción 1»" in text
    assert "Paso 1 de 2: Confirme los datos de su empresa" in text
    assert "Quishpe Maria" in text  # the legal name, shown, not a field
    values = form_values(response)
    assert "legal_name" not in values
    assert (
        values["trade_name"], values["province"], values["canton"], values["sector"],
        values["offer_type"], values["employees"], values["phone"], values["email"],
    ) == (
        "Tejidos Otavalo", "EC-I", "Otavalo", "artesanias", "products", "3",
        "+593991234567", "ventas@tejidos.ec",
    )  # fmt: skip
    assert _url("join_decline", invited) in response.content.decode()


def test_step_1_saves_the_corrected_firm_data_and_leads_to_step_2(client, invited):
    _step1(client, invited, trade_name="Tejidos Otavalo Cía.", employees="12", phone="0987654321")

    firm = Firm.objects.get(pk=invited.firm_id)
    assert (firm.trade_name, firm.employees, firm.size_band, firm.phone, firm.legal_name) == (
        "Tejidos Otavalo Cía.",
        12,
        "6-25",
        "+593987654321",
        "Quishpe Maria",
    )
    assert client.session[STEP1_SESSION_KEY] == [str(invited.public_id)]
    assert Enrolment.objects.get(pk=invited.pk).state == State.INVITED


def test_bad_firm_data_is_explained_next_to_the_field_and_nothing_is_saved(client, invited):
    before = Firm.objects.values().get(pk=invited.firm_id)
    data = step1_payload(invited.firm, trade_name="Nuevo nombre", phone="12345", employees="")

    response = client.post(_url("join", invited), data)

    assert response.status_code == 200
    assert field_errors(response, "phone") == ["Teléfono no válido: «12345»."]
    assert field_errors(response, "employees") == ["Este campo es obligatorio."]
    values = form_values(response)
    assert (values["trade_name"], values["phone"]) == ("Nuevo nombre", "12345")
    assert Firm.objects.values().get(pk=invited.firm_id) == before
    assert STEP1_SESSION_KEY not in client.session


# --- Step 2 with a new account ----------------------------------------------------------------


def test_two_steps_create_the_account_the_owner_the_consent_and_join(client, invited):
    _step1(client, invited)
    page = client.get(_url("join_account", invited))
    assert page.status_code == 200
    assert "Paso 2 de 2: Cree su contraseña" in _text(page)
    assert form_values(page)["email"] == "ventas@tejidos.ec"
    assert reverse("core:privacy") in page.content.decode()

    response = client.post(
        _url("join_account", invited),
        {**ACCOUNT, "email": " Maria@Example.EC "},
        REMOTE_ADDR="190.152.10.20",
    )

    user = User.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("join_done", invited)
    assert (user.email, user.full_name, user.role) == (
        "maria@example.ec",
        "María Quishpe",
        User.Role.FIRM_MEMBER,
    )
    assert user.check_password("tejidos-otavalo-2026")
    membership = FirmMembership.objects.get()
    assert (membership.firm_id, membership.user, membership.role) == (
        invited.firm_id,
        user,
        FirmMembership.Role.OWNER,
    )
    consent = ConsentRecord.objects.get()
    assert (consent.firm_id, consent.user, consent.text_version, consent.channel) == (
        invited.firm_id,
        user,
        settings.CONSENT_TEXT_VERSION,
        ConsentRecord.Channel.WEB,
    )
    assert consent.ip_address == "190.152.10.20"
    enrolment = Enrolment.objects.get(pk=invited.pk)
    assert (enrolment.state, enrolment.joined_by) == (State.JOINED, user)
    assert timezone.now() - enrolment.joined_at < datetime.timedelta(minutes=1)
    assert client.session[SESSION_KEY] == str(user.pk)

    done = client.get(response["Location"])
    assert done.status_code == 200
    html = done.content.decode()
    assert "¡Su empresa se unió a Promoción 1!" in _text(done)
    assert reverse("diagnosis:start", args=[invited.firm.public_id]) in html
    assert reverse("learning:route") in html


def test_step_2_sent_twice_creates_one_account(client, invited):
    _step1(client, invited)
    client.post(_url("join_account", invited), ACCOUNT)
    client.logout()  # the second request does not carry the first one's session

    again = client.post(_url("join_account", invited), ACCOUNT)

    assert again["Location"] == _url("join_done", invited)
    assert (User.objects.count(), FirmMembership.objects.count()) == (1, 1)
    assert ConsentRecord.objects.count() == 1


def test_joining_a_full_cohort_puts_the_firm_on_the_waiting_list(client, invited):
    cohort = invited.cohort
    cohort.capacity = 1
    cohort.save()
    enrol(cohort, FirmFactory(), State.JOINED)
    enrol(
        cohort,
        FirmFactory(),
        State.WAITLISTED,
        waitlisted_at=timezone.now() - datetime.timedelta(days=1),
    )

    _step1(client, invited)
    response = client.post(_url("join_account", invited), ACCOUNT, follow=True)

    enrolment = Enrolment.objects.get(pk=invited.pk)
    assert enrolment.state == State.WAITLISTED
    assert enrolment.waitlisted_at is not None
    assert enrolment.joined_at is None
    assert "Quedó en la lista de espera (puesto 2)" in _text(response)
    again = client.get(_url("join", invited))
    assert "está en la lista de espera (puesto 2)" in _text(again)


def test_an_existing_email_is_explained_next_to_the_field_and_nothing_is_created(client, invited):
    UserFactory(email="maria@example.ec")
    _step1(client, invited)
    before = _snapshot()

    response = client.post(_url("join_account", invited), {**ACCOUNT, "email": "Maria@example.ec"})

    assert response.status_code == 200
    assert field_errors(response, "email") == [EMAIL_TAKEN]
    login = reverse("accounts:login") + "?next=" + _url("join", invited)
    assert f'href="{login}"' in response.content.decode()
    values = form_values(response)
    assert (values["full_name"], values["email"], values["password"]) == (
        "María Quishpe",
        "Maria@example.ec",
        "tejidos-otavalo-2026",
    )
    assert _snapshot() == before
    assert SESSION_KEY not in client.session


ACCOUNT_ERRORS = [
    pytest.param(
        {"password": "12345678", "password2": "12345678"},
        "password",
        ["Esta contraseña es demasiado común.", "Esta contraseña es completamente numérica."],
        id="weak-password",
    ),
    pytest.param(
        {"password": "maria@example.ec", "password2": "maria@example.ec"},
        "password",
        ["La contraseña es demasiado similar a la de correo electrónico."],
        id="password-like-email",
    ),
    pytest.param(
        {"password2": "otra-clave-2026"},
        "password2",
        ["Las dos contraseñas no coinciden."],
        id="passwords-differ",
    ),
    pytest.param(
        {"consent": ""},
        "consent",
        ["Debe aceptar el tratamiento de datos para unirse."],
        id="no-consent",
    ),
    pytest.param(
        {"email": "maria@"},
        "email",
        ["Introduzca una dirección de correo electrónico válida."],
        id="bad-email",
    ),
]


@pytest.mark.parametrize(("changes", "field", "messages"), ACCOUNT_ERRORS)
def test_bad_account_input_is_explained_and_nothing_is_created(
    client, invited, changes, field, messages
):
    _step1(client, invited)
    before = _snapshot()
    data = {**ACCOUNT, **changes}
    if not data["consent"]:
        del data["consent"]

    response = client.post(_url("join_account", invited), data)

    assert response.status_code == 200
    assert field_errors(response, field) == messages
    values = form_values(response)
    for name in ("full_name", "email", "password", "password2"):
        assert values[name] == data[name], name
    assert _snapshot() == before


def test_step_2_without_step_1_sends_back_to_step_1(client, invited):
    before = _snapshot()

    page = client.get(_url("join_account", invited))
    sent = client.post(_url("join_account", invited), ACCOUNT)

    for response in (page, sent):
        assert response.status_code == 302
        assert response["Location"] == _url("join", invited)
    assert _snapshot() == before
    assert SESSION_KEY not in client.session


def test_step_1_of_another_invitation_does_not_open_step_2_of_this_one(client, invited):
    other = enrol(invited.cohort, FirmFactory())
    _step1(client, other)

    response = client.post(_url("join_account", invited), ACCOUNT)

    assert response["Location"] == _url("join", invited)
    assert Enrolment.objects.get(pk=invited.pk).state == State.INVITED
    assert User.objects.count() == 0


# --- Links that do not lead anywhere ----------------------------------------------------------


@pytest.mark.parametrize("name", ["join", "join_account", "join_done", "join_decline"])
@pytest.mark.parametrize("token", ["no-existe", "x" * 80])
def test_an_unknown_token_is_a_friendly_404_and_changes_nothing(client, invited, name, token):
    before = (_snapshot(), Firm.objects.values().get(pk=invited.firm_id))

    page = client.get(_url(name, token))
    sent = client.post(
        _url(name, token), {**step1_payload(invited.firm, trade_name="X"), **ACCOUNT}
    )

    assert page.status_code == 404
    assert INVALID in _text(page)
    if name == "join_done":
        assert sent.status_code == 405  # a page to read only
    else:
        assert sent.status_code == 404
        assert INVALID in _text(sent)
    assert (_snapshot(), Firm.objects.values().get(pk=invited.firm_id)) == before


def test_the_link_of_a_removed_invitation_is_a_404(client, invited):
    link = _url("join", invited)
    invited.delete()

    response = client.get(link)

    assert response.status_code == 404
    assert INVALID in _text(response)


@pytest.mark.parametrize("closed", ["cohort-ended", "programme-closed"])
def test_an_expired_invitation_is_a_404_and_changes_nothing(client, invited, closed):
    if closed == "cohort-ended":
        ended = timezone.localdate() - datetime.timedelta(days=1)
        Cohort.objects.filter(pk=invited.cohort_id).update(
            starts_on=ended - datetime.timedelta(days=60), ends_on=ended
        )
    else:
        Programme.objects.update(is_active=False)
    session = client.session
    session[STEP1_SESSION_KEY] = [str(invited.public_id)]
    session.save()
    before = (_snapshot(), Firm.objects.values().get(pk=invited.firm_id))

    responses = [
        client.get(_url("join", invited)),
        client.post(_url("join", invited), step1_payload(invited.firm, trade_name="Otro")),
        client.post(_url("join_account", invited), ACCOUNT),
        client.get(_url("join_done", invited)),
        client.post(_url("join_decline", invited), {"reason": "Tarde"}),
    ]

    for response in responses:
        assert response.status_code == 404
        assert INVALID in _text(response)
    if closed == "cohort-ended":
        assert "Esta invitación venció: la promoción «Promoción 1» terminó el" in _text(
            responses[0]
        )
    assert (_snapshot(), Firm.objects.values().get(pk=invited.firm_id)) == before


def test_a_firm_that_joined_still_sees_its_state_after_the_cohort_ended(client, pworld):
    Cohort.objects.filter(pk=pworld.cohort.pk).update(
        starts_on=datetime.date(2025, 1, 1), ends_on=datetime.date(2025, 3, 1)
    )

    response = client.get(_url("join", pworld.enrolment_a))

    assert response.status_code == 200
    assert "Artesanías A ya se unió a esta promoción." in _text(response)


@pytest.mark.parametrize("state", [State.DECLINED, State.DROPPED])
def test_an_invitation_no_longer_valid_cannot_be_joined(client, invited, state):
    Enrolment.objects.filter(pk=invited.pk).update(state=state, declined_at=timezone.now())
    session = client.session
    session[STEP1_SESSION_KEY] = [str(invited.public_id)]
    session.save()
    before = (_snapshot(), Firm.objects.values().get(pk=invited.firm_id))

    page = client.get(_url("join", invited))
    step1 = client.post(_url("join", invited), step1_payload(invited.firm, trade_name="Otro"))
    step2 = client.post(_url("join_account", invited), ACCOUNT)
    done = client.get(_url("join_done", invited))

    assert page.status_code == 200
    assert NOT_VALID_ANY_MORE in _text(page)
    assert NOT_VALID_ANY_MORE in _text(step1)
    assert step2["Location"] == _url("join", invited)
    assert done["Location"] == _url("join", invited)
    assert (_snapshot(), Firm.objects.values().get(pk=invited.firm_id)) == before
    assert SESSION_KEY not in client.session


def test_the_link_of_a_firm_already_in_the_cohort_says_so(client, pworld):
    response = client.get(_url("join", pworld.enrolment_a))

    assert response.status_code == 200
    assert "Artesanías A ya se unió a esta promoción." in _text(response)
    login = reverse("accounts:login") + "?next=" + reverse("firms:dashboard")
    assert f'href="{login}"' in response.content.decode()
    assert 'name="trade_name"' not in response.content.decode()


# --- Signed in --------------------------------------------------------------------------------


def test_a_signed_in_member_joins_with_one_click(client, pworld):
    member = pworld.users["member_b"]
    client_for(client, pworld, "member_b")
    _step1(client, pworld.enrolment_b)
    page = client.get(_url("join_account", pworld.enrolment_b))
    assert page.status_code == 200
    assert "Paso 2 de 2: Unirme" in _text(page)
    assert 'name="password"' not in page.content.decode()
    users, memberships, consents = (
        User.objects.count(),
        FirmMembership.objects.count(),
        ConsentRecord.objects.count(),
    )

    response = client.post(_url("join_account", pworld.enrolment_b))

    assert response["Location"] == _url("join_done", pworld.enrolment_b)
    enrolment = Enrolment.objects.get(pk=pworld.enrolment_b.pk)
    assert (enrolment.state, enrolment.joined_by) == (State.JOINED, member)
    assert enrolment.joined_at is not None
    assert (
        User.objects.count(),
        FirmMembership.objects.count(),
        ConsentRecord.objects.count(),
    ) == (users, memberships, consents)
    done = client.get(response["Location"])
    assert "¡Su empresa se unió a Promoción 1!" in _text(done)
    assert reverse("diagnosis:start", args=[pworld.b.public_id]) in done.content.decode()


@pytest.mark.parametrize("role", ["member_a", "partner_y", "programme_ec", "admin"])
def test_a_signed_in_non_member_cannot_answer_another_firms_invitation(client, pworld, role):
    client_for(client, pworld, role)
    enrolment = pworld.enrolment_b
    before = (_snapshot(), Firm.objects.values().get(pk=pworld.b.pk))
    session = client.session
    session[STEP1_SESSION_KEY] = [str(enrolment.public_id)]
    session.save()

    page = client.get(_url("join", enrolment))
    step1 = client.post(_url("join", enrolment), step1_payload(pworld.b, trade_name="Mía"))
    step2 = client.post(_url("join_account", enrolment), ACCOUNT)
    decline = client.post(_url("join_decline", enrolment), {"reason": "No"})

    assert page.status_code == 200
    assert "Esta invitación es para Bordados B y su cuenta" in _text(page)
    assert reverse("accounts:logout") in page.content.decode()
    assert 'name="trade_name"' not in page.content.decode()
    assert (step1.status_code, step2.status_code, decline.status_code) == (403, 403, 403)
    assert (_snapshot(), Firm.objects.values().get(pk=pworld.b.pk)) == before


# --- No me interesa ---------------------------------------------------------------------------


def test_declining_asks_for_confirmation_then_thanks(client, invited):
    page = client.get(_url("join_decline", invited))
    assert page.status_code == 200
    assert "¿No desea participar?" in _text(page)
    assert Enrolment.objects.get(pk=invited.pk).state == State.INVITED

    response = client.post(_url("join_decline", invited), {"reason": "  No tenemos tiempo ahora."})

    assert response["Location"] == _url("join_decline", invited)
    enrolment = Enrolment.objects.get(pk=invited.pk)
    assert (enrolment.state, enrolment.state_note) == (State.DECLINED, "No tenemos tiempo ahora.")
    assert enrolment.declined_at is not None
    assert "Gracias por avisarnos" in _text(client.get(response["Location"]))
    assert NOT_VALID_ANY_MORE in _text(client.get(_url("join", invited)))
    assert User.objects.count() == 0


def test_declining_twice_changes_nothing_more(client, invited):
    client.post(_url("join_decline", invited), {"reason": "Primera"})
    first = Enrolment.objects.values().get(pk=invited.pk)

    again = client.post(_url("join_decline", invited), {"reason": "Segunda"})

    assert again.status_code == 200
    assert Enrolment.objects.values().get(pk=invited.pk) == first


def test_a_firm_that_joined_cannot_decline_from_its_link(client, pworld):
    before = Enrolment.objects.values().get(pk=pworld.enrolment_a.pk)

    response = client.post(_url("join_decline", pworld.enrolment_a), {"reason": "Ya no"})

    assert response.status_code == 200
    assert "ya se unió a esta promoción" in _text(response)
    assert Enrolment.objects.values().get(pk=pworld.enrolment_a.pk) == before


def test_a_too_long_reason_is_explained_and_kept(client, invited):
    response = client.post(_url("join_decline", invited), {"reason": "x" * 301})

    assert response.status_code == 200
    assert field_errors(response, "reason") == [
        "Asegúrese de que este valor tenga menos de 300 caracteres (tiene 301)."
    ]
    assert "x" * 301 in response.content.decode()
    assert Enrolment.objects.get(pk=invited.pk).state == State.INVITED
    assert non_field_errors(response) == []


# --- The card on the firm page ----------------------------------------------------------------


def test_the_card_shows_each_enrolment_and_offers_the_invitation_to_members(client, pworld):
    other = make_cohort(pworld.programme, name="Promoción 2", capacity=1)
    enrol(other, FirmFactory(), State.JOINED)
    enrol(other, pworld.b, State.WAITLISTED)
    Outcome.objects.create(
        firm=pworld.b, kind=Outcome.Kind.FIRST_ONLINE_SALE, occurred_on=datetime.date(2026, 1, 5),
        channel=Outcome.Channel.SOCIAL,
    )  # fmt: skip
    client_for(client, pworld, "member_b")

    response = client.get(reverse("firms:detail", args=[pworld.b.public_id]))

    text = _text(response)
    html = response.content.decode()
    assert "Promoción 1 · Ecuador vende en línea" in text
    assert "Promoción 2 · Ecuador vende en línea" in text
    assert "Invitada el" in text
    assert re.search(r"En lista de espera desde el [\d/]+ \(puesto 1\)", text)
    assert _url("join", pworld.enrolment_b) in html
    assert "Aceptar la invitación" in text
    assert "Primera venta en línea · 05/01/2026" in text
    assert reverse("programmes:outcome_report", args=[pworld.b.public_id]) in html


def test_staff_see_the_card_without_the_invitation_link_or_the_report_button(client, pworld):
    client_for(client, pworld, "partner_y")

    response = client.get(reverse("firms:detail", args=[pworld.b.public_id]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Promoción 1 · Ecuador vende en línea" in _text(response)
    assert pworld.enrolment_b.token not in html
    assert reverse("programmes:outcome_report", args=[pworld.b.public_id]) not in html


@pytest.mark.parametrize("role", ["member_b", "programme_ec"])
def test_the_card_makes_the_same_number_of_queries_for_1_and_5_enrolments(client, pworld, role):
    client_for(client, pworld, role)
    url = reverse("firms:detail", args=[pworld.b.public_id])
    one, response = queries_for(client, url)
    assert response.status_code == 200

    for n in range(4):
        cohort = make_cohort(pworld.programme, name=f"Extra {n}", capacity=1)
        enrol(cohort, FirmFactory(), State.JOINED)
        enrol(cohort, pworld.b, State.WAITLISTED if n % 2 else State.INVITED)
    Outcome.objects.create(
        firm=pworld.b, kind=Outcome.Kind.FIRST_ONLINE_SALE, occurred_on=datetime.date(2026, 1, 5),
        channel=Outcome.Channel.SOCIAL,
    )  # fmt: skip
    five, response = queries_for(client, url)

    # Five enrolments; staff also see the programme's eligibility box (test_firm_invite.py).
    fits = 1 if role == "programme_ec" else 0
    assert _text(response).count("Ecuador vende en línea") == 5 + fits
    assert five == one
