"""A firm's milestones (hitos): who sees and who reports them, what a person may type, the
correction of one already reported, the stages of the enrolments they refresh, and the prompt
at the end of a course."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from rutapyme.accounts.tests.html import field_errors, form_values
from rutapyme.learning.tests.factories import RIGHT, learner, make_course
from rutapyme.programmes.models import Enrolment, Outcome

from .conftest import ROLES, client_for

pytestmark = pytest.mark.django_db

Kind = Outcome.Kind


def _list(firm):
    return reverse("programmes:outcome_list", args=[firm.public_id])


def _report(firm, kind=""):
    url = reverse("programmes:outcome_report", args=[firm.public_id])
    return f"{url}?hito={kind}" if kind else url


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _yesterday() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=1)


def sale(**changes) -> dict:
    data = {
        "kind": Kind.FIRST_ONLINE_SALE,
        "occurred_on": _yesterday().isoformat(),
        "channel": Outcome.Channel.SOCIAL,
        "channel_detail": "WhatsApp",
        "destination_country": "",
        "amount": "",
        "currency": "USD",
    }
    data.update(changes)
    return data


def export(**changes) -> dict:
    data = {
        "kind": Kind.FIRST_EXPORT,
        "channel": Outcome.Channel.MARKETPLACE,
        "channel_detail": "Mercado Libre",
        "destination_country": "CO",
    }
    return sale(**{**data, **changes})


# --- Who sees, who reports --------------------------------------------------------------------

# The list of firm A's milestones: whoever sees firm A. Reporting: only firm A's people.
SEES_A = {"member_a", "partner_x", "programme_ec", "admin"}


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_for_the_milestones_of_firm_a(client, pworld, role):
    client_for(client, pworld, role)
    a = pworld.a

    listed = client.get(_list(a))
    form = client.get(_report(a, Kind.FIRST_ONLINE_SALE))
    sent = client.post(_report(a), sale())

    if role == "anonymous":
        assert (listed.status_code, form.status_code, sent.status_code) == (302, 302, 302)
        assert listed["Location"].startswith(reverse("accounts:login"))
    else:
        assert listed.status_code == (200 if role in SEES_A else 404)
        assert form.status_code == (200 if role == "member_a" else 404)
        assert sent.status_code == (302 if role == "member_a" else 404)
    if role == "member_a":
        outcome = Outcome.objects.get()
        assert (outcome.firm, outcome.kind, outcome.reported_by) == (
            a,
            Kind.FIRST_ONLINE_SALE,
            pworld.users["member_a"],
        )
        assert sent["Location"] == _list(a)
    else:
        assert Outcome.objects.count() == 0


@pytest.mark.parametrize("role", ["partner_x", "programme_ec", "admin"])
def test_staff_read_the_list_without_a_way_to_report(client, pworld, role):
    Outcome.objects.create(
        firm=pworld.a, kind=Kind.FIRST_EXPORT, occurred_on=datetime.date(2026, 3, 2),
        channel=Outcome.Channel.MARKETPLACE, channel_detail="Mercado Libre",
        destination_country="PE", amount=Decimal("1234.50"), currency="USD",
    )  # fmt: skip
    client_for(client, pworld, role)

    response = client.get(_list(pworld.a))

    text = _text(response)
    assert "Primera exportación por comercio electrónico · 02/03/2026" in text
    assert "Mercado Libre · hacia Perú · USD 1" in text
    assert reverse("programmes:outcome_report", args=[pworld.a.public_id]) not in (
        response.content.decode()
    )


def test_a_member_reports_only_for_their_own_firm(client, pworld):
    client_for(client, pworld, "member_b")

    other = client.post(_report(pworld.a), sale())
    own = client.post(_report(pworld.b), sale())

    assert (other.status_code, own.status_code) == (404, 302)
    assert list(Outcome.objects.values_list("firm_id", flat=True)) == [pworld.b.pk]


def test_an_unknown_firm_is_a_404(client, pworld):
    client_for(client, pworld, "member_a")
    missing = "00000000-0000-4000-8000-000000000000"

    assert client.get(reverse("programmes:outcome_list", args=[missing])).status_code == 404
    assert client.post(
        reverse("programmes:outcome_report", args=[missing]), sale()
    ).status_code == (404)


# --- What a person types ----------------------------------------------------------------------


def test_the_form_starts_with_the_milestone_asked_today_and_the_countrys_currency(client, pworld):
    client_for(client, pworld, "member_a")

    response = client.get(_report(pworld.a, Kind.FIRST_EXPORT))

    values = form_values(response)
    assert response.status_code == 200
    assert (values["kind"], values["occurred_on"], values["currency"]) == (
        "export",
        timezone.localdate().isoformat(),
        "USD",
    )


def test_an_unknown_milestone_in_the_link_is_ignored(client, pworld):
    client_for(client, pworld, "member_a")

    response = client.get(_report(pworld.a, "millonario"))

    assert response.status_code == 200
    assert form_values(response)["kind"] is None  # nothing chosen: the first option shows


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1.234,50", Decimal("1234.50")),
        ("1234.50", Decimal("1234.50")),
        ("$ 980", Decimal("980.00")),
        ("1,234.5", Decimal("1234.50")),
    ],
)
def test_amounts_are_read_as_people_type_them(client, pworld, typed, stored):
    client_for(client, pworld, "member_a")

    response = client.post(_report(pworld.a), sale(amount=typed))

    assert response.status_code == 302
    outcome = Outcome.objects.get()
    assert (outcome.amount, outcome.currency) == (stored, "USD")


def test_the_currency_defaults_to_the_firms_country(client, pworld):
    from rutapyme.firms.tests.factories import FirmMembershipFactory

    member_c = FirmMembershipFactory(firm=pworld.c).user
    client.force_login(member_c)

    form = client.get(_report(pworld.c, Kind.FIRST_ONLINE_SALE))
    response = client.post(_report(pworld.c), sale(amount="15.000", currency=""))

    assert form_values(form)["currency"] == "CLP"
    assert response.status_code == 302
    assert (Outcome.objects.get().amount, Outcome.objects.get().currency) == (
        Decimal("15000.00"),
        "CLP",
    )


BAD = [
    pytest.param(
        sale(occurred_on=(timezone.localdate() + datetime.timedelta(days=2)).isoformat()),
        "occurred_on",
        "La fecha no puede ser futura.",
        id="future-date",
    ),
    pytest.param(
        export(destination_country=""),
        "destination_country",
        "Indique el país de destino.",
        id="export-without-destination",
    ),
    pytest.param(
        export(destination_country="EC"),
        "destination_country",
        "El destino de una exportación es otro país.",
        id="export-to-own-country",
    ),
    pytest.param(
        sale(amount="abc"),
        "amount",
        "Escriba el monto con números, por ejemplo 1.234,50.",
        id="amount-not-a-number",
    ),
    pytest.param(
        sale(amount="-5"), "amount", "El monto no puede ser negativo.", id="negative-amount"
    ),
    pytest.param(
        sale(amount="123456789012"),
        "amount",
        "El monto es demasiado grande: revise los ceros.",
        id="amount-too-big",
    ),
    pytest.param(
        sale(occurred_on="31/02/2026"),
        "occurred_on",
        "Escriba una fecha válida, por ejemplo 15/03/2026.",
        id="impossible-date",
    ),
    pytest.param(
        sale(destination_country="XX"),
        "destination_country",
        "Escoja una opción válida. XX no es una de las opciones disponibles.",
        id="unknown-country",
    ),
]


@pytest.mark.parametrize(("data", "field", "message"), BAD)
def test_bad_input_is_explained_next_to_its_field_and_kept(client, pworld, data, field, message):
    client_for(client, pworld, "member_a")
    before = Enrolment.objects.values().get(pk=pworld.enrolment_a.pk)

    response = client.post(_report(pworld.a), data)

    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    values = form_values(response)
    for name in ("kind", "occurred_on", "channel", "channel_detail", "amount"):
        assert (values[name] or "") == data[name], name
    if field != "destination_country" or data["destination_country"] != "XX":
        assert (values["destination_country"] or "") == data["destination_country"]
    assert Outcome.objects.count() == 0
    assert Enrolment.objects.values().get(pk=pworld.enrolment_a.pk) == before


# --- Correcting, and the stages of the enrolments ---------------------------------------------


def test_reporting_the_same_milestone_again_corrects_it(client, pworld):
    client_for(client, pworld, "member_a")
    client.post(_report(pworld.a), export(amount="500"))

    form = client.get(_report(pworld.a, Kind.FIRST_EXPORT))
    values = form_values(form)
    assert "Corregir un logro" in _text(form)
    assert (values["destination_country"], values["channel_detail"], values["amount"]) == (
        "CO",
        "Mercado Libre",
        "500,00",
    )
    response = client.post(
        _report(pworld.a, Kind.FIRST_EXPORT),
        export(destination_country="PE", amount=values["amount"], occurred_on="2026-02-10"),
        follow=True,
    )

    outcome = Outcome.objects.get()
    assert (outcome.kind, outcome.destination_country, outcome.amount, outcome.occurred_on) == (
        Kind.FIRST_EXPORT,
        "PE",
        Decimal("500.00"),
        datetime.date(2026, 2, 10),
    )
    assert "Corregimos el hito." in _text(response)


def test_reporting_refreshes_the_first_sale_and_export_of_the_enrolments(client, pworld):
    client_for(client, pworld, "member_a")
    sold_on, exported_on = datetime.date(2026, 1, 20), datetime.date(2026, 2, 3)

    client.post(_report(pworld.a), sale(occurred_on=sold_on.isoformat()))
    after_sale = Enrolment.objects.get(pk=pworld.enrolment_a.pk)
    client.post(_report(pworld.a), export(occurred_on=exported_on.isoformat()))
    after_export = Enrolment.objects.get(pk=pworld.enrolment_a.pk)

    assert timezone.localtime(after_sale.first_sale_at).date() == sold_on
    assert after_sale.first_export_at is None
    assert timezone.localtime(after_export.first_export_at).date() == exported_on
    assert timezone.localtime(after_export.first_sale_at).date() == sold_on
    untouched = Enrolment.objects.get(pk=pworld.enrolment_b.pk)
    assert (untouched.first_sale_at, untouched.first_export_at) == (None, None)


def test_the_firm_page_lists_the_milestones_and_the_list_offers_the_missing_ones(client, pworld):
    client_for(client, pworld, "member_a")
    client.post(_report(pworld.a), sale(occurred_on="2026-01-20"))

    page = client.get(reverse("firms:detail", args=[pworld.a.public_id]))
    listed = client.get(_list(pworld.a))

    assert "Primera venta en línea · 20/01/2026" in _text(page)
    html = listed.content.decode()
    assert f'href="{_report(pworld.a, Kind.FIRST_ONLINE_SALE)}"' in html  # to correct it
    assert f'href="{_report(pworld.a, Kind.FIRST_EXPORT)}"' in html
    assert f'href="{_report(pworld.a, Kind.FIRST_MARKETPLACE_SALE)}"' in html


# --- The prompt at the end of a course --------------------------------------------------------


def _finish_course(client):
    user, firm = learner()
    course = make_course(modules=1, lessons=1)
    client.force_login(user)
    client.get(reverse("learning:lesson", args=[course.slug, "m1-leccion-1"]))
    client.post(reverse("learning:quiz", args=[course.slug, "modulo-1"]), {"attempt": "1", **RIGHT})
    return firm, reverse("learning:attempt", args=[course.slug, "modulo-1", 1])


def test_a_finished_course_asks_whether_the_firm_sold_online(client):
    firm, attempt = _finish_course(client)

    response = client.get(attempt)

    assert "Ver su certificado" in _text(response)
    assert "¿Vendió en línea por primera vez?" in _text(response)
    assert f'href="{_report(firm, Kind.FIRST_ONLINE_SALE)}"' in response.content.decode()


def test_the_prompt_is_not_shown_once_the_sale_is_reported(client):
    firm, attempt = _finish_course(client)
    Outcome.objects.create(
        firm=firm, kind=Kind.FIRST_MARKETPLACE_SALE, occurred_on=_yesterday(),
        channel=Outcome.Channel.MARKETPLACE,
    )  # fmt: skip

    response = client.get(attempt)

    assert "Ver su certificado" in _text(response)
    assert "¿Vendió en línea por primera vez?" not in _text(response)
