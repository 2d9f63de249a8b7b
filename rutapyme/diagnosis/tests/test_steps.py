"""Answering the questionnaire step by step through the firm's pages."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from rutapyme.accounts.tests.factories import UserFactory
from rutapyme.diagnosis import scoring, services
from rutapyme.diagnosis.forms import is_locked
from rutapyme.diagnosis.models import Diagnosis
from rutapyme.diagnosis.tests.factories import answers_for
from rutapyme.firms.tests.factories import FirmFactory, FirmMembershipFactory

pytestmark = pytest.mark.django_db

GOODS_STEPS = [
    "empresa",
    "ventas",
    "areas",
    "herramientas",
    "pagos",
    "logistica",
    "otros_factores",
    "capacitacion",
]


def member_client(firm, client=None):
    user = FirmMembershipFactory(firm=firm).user
    client = client or Client()
    client.force_login(user)
    return client, user


def step_url(diagnosis, code):
    return reverse("diagnosis:step", args=[diagnosis.public_id, code])


def result_url(diagnosis):
    return reverse("diagnosis:result", args=[diagnosis.public_id])


def step_data(diagnosis, code, answers, action="next"):
    """What the step form posts when a person gives `answers` (locked answers are not posted)."""
    data = {"action": action}
    for question in diagnosis.spec.step(code).questions:
        if not question.applies_to(diagnosis.offer_type) or is_locked(question):
            continue
        for key in question.answer_keys():
            if key in answers:
                value = answers[key]
                data[key] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def started(firm, client=None):
    client, user = member_client(firm, client)
    response = client.post(reverse("diagnosis:start", args=[firm.public_id]))
    diagnosis = Diagnosis.objects.get(firm=firm)
    assert response.status_code == 302
    assert response["Location"] == step_url(diagnosis, "empresa")
    return client, user, diagnosis


def walk(client, diagnosis, answers):
    """Post every step with "Siguiente"; return the codes visited and the last response."""
    visited = []
    url = step_url(diagnosis, "empresa")
    while True:
        code = url.rstrip("/").rsplit("/", 1)[-1]
        visited.append(code)
        response = client.post(url, step_data(diagnosis, code, answers))
        assert response.status_code == 302, response.content.decode()[:2000]
        url = response["Location"]
        if "/paso/" not in url:
            return visited, response


def checked(html, name, value):
    """Whether the radio or checkbox `name`=`value` is drawn checked."""
    match = re.search(rf'<input[^>]*name="{name}" value="{value}"[^>]*>', html)
    assert match, f"no input {name}={value}"
    return " checked" in match.group(0)


def field_errors(html, anchor):
    """The error messages drawn inside the element with id `anchor` (up to its end)."""
    start = html.index(f'id="{anchor}"')
    end = html.index("</fieldset>", start)
    return re.findall(r"<li>([^<]+)</li>", html[start:end])


# --- Skip logic -------------------------------------------------------------------------------


def test_a_services_firm_answers_7_steps_without_logistics():
    firm = FirmFactory(offer_type="services")
    client, _user, diagnosis = started(firm)

    page = client.get(step_url(diagnosis, "empresa")).content.decode()
    assert "Paso 1 de 7" in page
    assert client.get(step_url(diagnosis, "logistica")).status_code == 404
    assert "Paso 6 de 7" in client.get(step_url(diagnosis, "otros_factores")).content.decode()

    visited, response = walk(client, diagnosis, answers_for(firm))

    assert visited == [code for code in GOODS_STEPS if code != "logistica"]
    assert response["Location"] == result_url(diagnosis)
    diagnosis.refresh_from_db()
    assert diagnosis.status == Diagnosis.Status.SUBMITTED
    assert not any(key.startswith(("q16", "q17", "q18", "q19")) for key in diagnosis.answers)


def test_a_goods_firm_answers_8_steps_including_logistics():
    firm = FirmFactory(offer_type="both")
    client, _user, diagnosis = started(firm)

    assert "Paso 1 de 8" in client.get(step_url(diagnosis, "empresa")).content.decode()
    page = client.get(step_url(diagnosis, "logistica")).content.decode()
    assert "Paso 6 de 8" in page
    assert "¿Cómo gestiona la logística de sus productos?" in page

    visited, _response = walk(client, diagnosis, answers_for(firm))

    assert visited == GOODS_STEPS


def test_a_step_that_does_not_exist_is_not_found():
    client, _user, diagnosis = started(FirmFactory())
    assert client.get(step_url(diagnosis, "precios")).status_code == 404
    assert client.post(step_url(diagnosis, "precios"), {"action": "next"}).status_code == 404


# --- The first step: registry answers -----------------------------------------------------


def test_the_first_step_shows_the_country_read_only_and_prefills_sector_and_size():
    firm = FirmFactory(country="EC", sector="alimentos", size_band="6-25")
    client, _user, diagnosis = started(firm)

    html = client.get(step_url(diagnosis, "empresa")).content.decode()

    assert '<p class="locked"><strong>Ecuador</strong></p>' in html
    assert 'name="q01_country"' not in html
    assert checked(html, "q02_sector", "alimentos")
    assert checked(html, "q03_size_band", "6-25")
    assert not checked(html, "q05_customer_segment", "consumers")


def test_a_posted_country_is_ignored():
    firm = FirmFactory(country="EC")
    client, _user, diagnosis = started(firm)

    data = step_data(diagnosis, "empresa", answers_for(firm))
    response = client.post(step_url(diagnosis, "empresa"), {**data, "q01_country": "PE"})

    assert response["Location"] == step_url(diagnosis, "ventas")
    diagnosis.refresh_from_db()
    assert diagnosis.answers["q01_country"] == "EC"


# --- Errors keep what was typed -------------------------------------------------------------


def test_a_missing_required_answer_is_shown_next_to_it_and_keeps_what_was_typed():
    firm = FirmFactory()
    client, _user, diagnosis = started(firm)
    data = {
        "action": "next",
        "q04_export_destinations": ["aladi", "outside_lac"],
        "q04_export_destinations__outside_lac__text": "Canadá y España",
        "q09_ecommerce_export": ["no"],
        "q10_export_intent": "short_term",
    }

    response = client.post(step_url(diagnosis, "ventas"), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Revise 1 pregunta" in html
    assert '<a href="#q-q06_online_sales">Pregunta 6:' in html
    assert field_errors(html, "q-q06_online_sales") == ["Elija una opción."]
    assert checked(html, "q04_export_destinations", "aladi")
    assert checked(html, "q04_export_destinations", "outside_lac")
    assert not checked(html, "q04_export_destinations", "lac_other")
    assert 'value="Canadá y España"' in html
    assert checked(html, "q10_export_intent", "short_term")
    diagnosis.refresh_from_db()
    # What was valid is saved; the draft stays on this step.
    assert diagnosis.current_step == "ventas"
    assert diagnosis.answers["q04_export_destinations"] == ["aladi", "outside_lac"]
    assert "q06_online_sales" not in diagnosis.answers


def test_an_exclusive_option_combined_with_others_is_refused():
    firm = FirmFactory()
    client, _user, diagnosis = started(firm)
    data = step_data(diagnosis, "ventas", answers_for(firm))
    data["q04_export_destinations"] = ["aladi", "not_yet"]

    response = client.post(step_url(diagnosis, "ventas"), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert field_errors(html, "q-q04_export_destinations") == [
        "«Todavía no exporto» no se puede combinar con otras opciones."
    ]
    assert checked(html, "q04_export_destinations", "aladi")
    assert checked(html, "q04_export_destinations", "not_yet")
    diagnosis.refresh_from_db()
    assert "q04_export_destinations" not in diagnosis.answers
    assert diagnosis.current_step == "ventas"


def test_matrix_values_out_of_range_are_shown_on_their_line():
    firm = FirmFactory()
    client, _user, diagnosis = started(firm)
    data = step_data(diagnosis, "areas", answers_for(firm))
    data["q07_area_experience__logistics"] = "7"
    data["q08_area_staff__data_analysis"] = "-2"

    response = client.post(step_url(diagnosis, "areas"), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Revise 2 preguntas" in html
    assert field_errors(html, "line-q07_area_experience__logistics") == [
        "Elija un valor de la escala (1 a 4)."
    ]
    start = html.index('id="line-q08_area_staff__data_analysis"')
    assert "Escriba un número entero de 0 a 999." in html[start : html.index("</div>", start)]
    assert 'name="q08_area_staff__data_analysis" value="-2"' in html
    diagnosis.refresh_from_db()
    assert "q07_area_experience__logistics" not in diagnosis.answers
    assert "q08_area_staff__data_analysis" not in diagnosis.answers
    assert diagnosis.answers["q07_area_experience__digital_sales"] == int(
        data["q07_area_experience__digital_sales"]
    )
    assert diagnosis.current_step == "areas"


def test_text_typed_without_its_option_is_not_saved_and_the_person_is_told():
    firm = FirmFactory()
    client, _user, diagnosis = started(firm)
    data = step_data(diagnosis, "herramientas", answers_for(firm))
    data["q11_relevant_platforms"] = ["amazon"]
    data["q11_relevant_platforms__other__text"] = "Shein"

    response = client.post(step_url(diagnosis, "herramientas"), data, follow=True)

    assert response.redirect_chain == [(step_url(diagnosis, "pagos"), 302)]
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        "No guardamos lo que escribió en «¿Cuál plataforma?»: no eligió la opción que acompaña."
    ]
    diagnosis.refresh_from_db()
    assert diagnosis.answers["q11_relevant_platforms"] == ["amazon"]
    assert "q11_relevant_platforms__other__text" not in diagnosis.answers


# --- Save and continue later, on another device -----------------------------------------------


def test_save_and_continue_later_keeps_partial_answers():
    firm = FirmFactory()
    client, _user, diagnosis = started(firm)
    data = {
        "action": "later",
        "q07_area_experience__digital_sales": "2",
        "q07_area_experience__logistics": "4",
        "q08_area_staff__digital_sales": "1",
    }

    response = client.post(step_url(diagnosis, "areas"), data, follow=True)

    assert response.redirect_chain == [(reverse("diagnosis:home"), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Guardamos sus respuestas. Puede continuar cuando quiera, también desde otro dispositivo."
    ]
    diagnosis.refresh_from_db()
    assert diagnosis.current_step == "areas"
    assert {k: v for k, v in diagnosis.answers.items() if k.startswith(("q07", "q08"))} == {
        "q07_area_experience__digital_sales": 2,
        "q07_area_experience__logistics": 4,
        "q08_area_staff__digital_sales": 1,
    }
    html = response.content.decode()
    assert "Paso 3 de 8" in html
    assert step_url(diagnosis, "areas") in html


def test_saving_later_with_a_wrong_value_stays_on_the_step_and_keeps_the_rest():
    firm = FirmFactory()
    client, _user, diagnosis = started(firm)
    data = {
        "action": "later",
        "q07_area_experience__digital_sales": "2",
        "q08_area_staff__digital_sales": "muchas",
    }

    response = client.post(step_url(diagnosis, "areas"), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Revise 1 pregunta" in html
    assert 'value="muchas"' in html
    diagnosis.refresh_from_db()
    assert diagnosis.answers["q07_area_experience__digital_sales"] == 2
    assert "q08_area_staff__digital_sales" not in diagnosis.answers


def test_a_second_device_continues_at_the_saved_step_with_the_saved_answers():
    firm = FirmFactory()
    phone, user, diagnosis = started(firm)
    answers = answers_for(firm, q06_online_sales="marketplace")
    phone.post(step_url(diagnosis, "empresa"), step_data(diagnosis, "empresa", answers))
    phone.post(step_url(diagnosis, "ventas"), step_data(diagnosis, "ventas", answers))

    laptop = Client()
    laptop.force_login(user)
    home = laptop.get(reverse("diagnosis:home")).content.decode()

    assert "Paso 3 de 8" in home
    assert f'<a class="button" href="{step_url(diagnosis, "areas")}">Continuar</a>' in home
    back = laptop.get(step_url(diagnosis, "ventas")).content.decode()
    assert checked(back, "q06_online_sales", "marketplace")
    # Starting again from the second device continues the same draft.
    response = laptop.post(reverse("diagnosis:start", args=[firm.public_id]))
    assert response["Location"] == step_url(diagnosis, "areas")
    assert Diagnosis.objects.filter(firm=firm).count() == 1


# --- Submitting ---------------------------------------------------------------------------------


def test_the_last_step_submits_and_shows_the_result_with_the_level():
    firm = FirmFactory()
    client, user, diagnosis = started(firm)
    answers = answers_for(firm, seed=3)

    _visited, response = walk(client, diagnosis, answers)

    assert response["Location"] == result_url(diagnosis)
    diagnosis.refresh_from_db()
    expected = scoring.compute_result(diagnosis.spec, diagnosis.answers, offer_type="products")
    assert diagnosis.status == Diagnosis.Status.SUBMITTED
    assert diagnosis.submitted_by == user
    assert diagnosis.level == expected["level"]
    assert diagnosis.answers == answers
    html = client.get(result_url(diagnosis)).content.decode()
    assert f"Nivel {expected['level']} · {expected['level_name']}" in html


def test_the_last_step_sends_back_to_the_first_step_with_missing_answers():
    firm = FirmFactory()
    client, _user, diagnosis = started(firm)
    answers = answers_for(firm)
    for code in GOODS_STEPS:
        if code != "areas":
            data = step_data(diagnosis, code, answers)
            raw = {k: v if isinstance(v, list) else [v] for k, v in data.items()}
            services.diagnosis_save_step(diagnosis=diagnosis, step_code=code, raw=raw)

    response = client.post(
        step_url(diagnosis, "capacitacion"),
        step_data(diagnosis, "capacitacion", answers),
        follow=True,
    )

    assert response.redirect_chain == [(step_url(diagnosis, "areas"), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Faltan respuestas en el paso «Áreas de su empresa». Complételas para ver su resultado."
    ]
    diagnosis.refresh_from_db()
    assert diagnosis.status == Diagnosis.Status.DRAFT
    assert diagnosis.level is None


def test_a_post_after_submitting_changes_nothing():
    firm = FirmFactory()
    client, _user, diagnosis = started(firm)
    walk(client, diagnosis, answers_for(firm))
    client.get(result_url(diagnosis))  # the "¡Listo!" message is read there
    diagnosis.refresh_from_db()
    before = (diagnosis.answers, diagnosis.updated_at, diagnosis.level, diagnosis.result)

    data = step_data(diagnosis, "ventas", answers_for(firm, seed=9))
    response = client.post(step_url(diagnosis, "ventas"), data, follow=True)

    assert response.redirect_chain == [(result_url(diagnosis), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Este autodiagnóstico ya está terminado; puede hacerlo de nuevo."
    ]
    diagnosis.refresh_from_db()
    assert (diagnosis.answers, diagnosis.updated_at, diagnosis.level, diagnosis.result) == before
    assert Diagnosis.objects.filter(firm=firm).count() == 1
    # Opening a step of it shows the result instead.
    assert client.get(step_url(diagnosis, "ventas"))["Location"] == result_url(diagnosis)


def test_a_draft_result_url_sends_its_members_to_the_saved_step():
    client, _user, diagnosis = started(FirmFactory())
    Diagnosis.objects.filter(pk=diagnosis.pk).update(current_step="pagos")

    response = client.get(result_url(diagnosis))

    assert response.status_code == 302
    assert response["Location"] == step_url(diagnosis, "pagos")


# --- Isolation ----------------------------------------------------------------------------------


def test_a_step_of_another_firm_is_not_found_and_stays_unchanged():
    other_firm = FirmFactory()
    _other_client, _other_user, other = started(other_firm)
    before = (dict(other.answers), other.current_step)
    client, _user = member_client(FirmFactory())

    assert client.get(step_url(other, "ventas")).status_code == 404
    data = step_data(other, "ventas", answers_for(other_firm))
    assert client.post(step_url(other, "ventas"), data).status_code == 404
    assert client.post(step_url(other, "ventas"), {"action": "later"}).status_code == 404

    other.refresh_from_db()
    assert (other.answers, other.current_step) == before


def test_a_step_only_changes_its_own_answer_keys():
    firm = FirmFactory()
    client, _user, diagnosis = started(firm)
    answers = answers_for(firm, q06_online_sales="marketplace", q12_digital_tools=["crm"])
    for code in ("empresa", "ventas"):
        client.post(step_url(diagnosis, code), step_data(diagnosis, code, answers))
    diagnosis.refresh_from_db()
    before = dict(diagnosis.answers)

    data = step_data(diagnosis, "herramientas", answers)
    data["q06_online_sales"] = "none"  # a key of another step, posted here
    data["q02_sector"] = "bebidas"
    response = client.post(step_url(diagnosis, "herramientas"), data)

    assert response["Location"] == step_url(diagnosis, "pagos")
    diagnosis.refresh_from_db()
    assert {k: v for k, v in diagnosis.answers.items() if k in before} == before
    assert diagnosis.answers["q12_digital_tools"] == ["crm"]


def test_a_person_without_a_firm_sees_how_to_register_one():
    client = Client()
    client.force_login(UserFactory())

    html = client.get(reverse("diagnosis:home")).content.decode()

    assert "Aún no pertenece a ninguna empresa." in html


def test_going_back_saves_what_was_typed_and_opens_the_previous_step():
    firm = FirmFactory()
    client, _user, diagnosis = started(firm)
    data = {"action": "back", "q07_area_experience__digital_sales": "3"}

    response = client.post(step_url(diagnosis, "areas"), data)

    assert response.status_code == 302
    assert response["Location"] == step_url(diagnosis, "ventas")
    diagnosis.refresh_from_db()
    assert diagnosis.answers["q07_area_experience__digital_sales"] == 3
    assert diagnosis.current_step == "areas"
