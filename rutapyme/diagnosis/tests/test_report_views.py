"""The report's page, HTMX partial and downloads: who gets in, what they see, how many queries.

The world: firms A and B in Ecuador, C in Chile, each with a latest diagnosis (A also has an
earlier one). A is a member of chamber X, B of chamber Y. Sectors differ (A artesanías, B
calzado, C textil) so a leak would show in the sector table. Rules: permissions.py and
report.report_diagnoses.
"""

import csv
import datetime
import io
from dataclasses import dataclass

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from rutapyme.accounts.models import Organisation
from rutapyme.accounts.tests.factories import (
    AdminFactory,
    ConsultantFactory,
    EditorFactory,
    OrganisationFactory,
    PartnerStaffFactory,
    ProgrammeStaffFactory,
)
from rutapyme.core.testing import queries_for
from rutapyme.diagnosis.tests.factories import answers_for, submitted_diagnosis
from rutapyme.firms.models import Firm
from rutapyme.firms.tests.factories import (
    FirmAffiliationFactory,
    FirmFactory,
    FirmMembershipFactory,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 2)
REPORT = reverse("diagnosis:report")


def download_url(code: str = "sector", fmt: str = "csv") -> str:
    return reverse("diagnosis:report_download", args=[code, fmt])


WORKBOOK = reverse("diagnosis:report_workbook")


@dataclass
class World:
    a: Firm
    b: Firm
    c: Firm
    chamber_x: Organisation
    chamber_y: Organisation
    users: dict


@pytest.fixture
def world() -> World:
    chamber_x = OrganisationFactory(name="Cámara X")
    chamber_y = OrganisationFactory(name="Cámara Y")
    ministry_cl = OrganisationFactory(
        name="Ministerio de Economía", country="CL", kind=Organisation.Kind.GOVERNMENT
    )
    a = FirmFactory(legal_name="Artesanías A", sector="artesanias")
    b = FirmFactory(legal_name="Bordados B", sector="calzado", offer_type="services")
    c = FirmFactory(legal_name="Cueros C", country="CL", sector="textil", province="")
    submitted_diagnosis(a, answered_on=DAY - datetime.timedelta(days=60), seed=5)
    for seed, firm in enumerate((a, b, c)):
        submitted_diagnosis(firm, answers=answers_for(firm, seed=seed), answered_on=DAY)
    FirmAffiliationFactory(firm=a, organisation=chamber_x)
    FirmAffiliationFactory(firm=b, organisation=chamber_y)
    users = {
        "anonymous": None,
        "member_a": FirmMembershipFactory(firm=a).user,
        "partner_x": PartnerStaffFactory(organisation=chamber_x),
        "partner_y": PartnerStaffFactory(organisation=chamber_y),
        "programme_ec": ProgrammeStaffFactory(),
        "programme_cl": ProgrammeStaffFactory(organisation=ministry_cl),
        "consultant": ConsultantFactory(),
        "editor": EditorFactory(),
        "admin": AdminFactory(),
    }
    return World(a, b, c, chamber_x, chamber_y, users)


def client_for(client, world: World, role: str):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def sector_counts(rows: list[list[str]]) -> dict[str, str]:
    """{sector label: firms} of the sector table's CSV, without the header."""
    return {row[0]: row[1] for row in rows[1:]}


# --- The matrix -------------------------------------------------------------------------------

LOGIN = "302 → sign in"
URLS = ["page", "partial", "csv", "xlsx", "workbook"]
# Firms in each role's report (None: refused).
SEES = {
    "anonymous": None,
    "member_a": None,
    "partner_x": ["a"],
    "partner_y": ["b"],
    "programme_ec": ["a", "b"],
    "programme_cl": ["c"],
    "consultant": None,
    "editor": None,
    "admin": ["a", "b", "c"],
}


def request(client, url_name: str):
    if url_name == "page":
        return client.get(REPORT)
    if url_name == "partial":
        return client.get(REPORT, headers={"HX-Request": "true"})
    if url_name == "workbook":
        return client.get(WORKBOOK)
    return client.get(download_url("sector", url_name))


@pytest.mark.parametrize("url_name", URLS)
@pytest.mark.parametrize("role", list(SEES))
def test_role_matrix(client, world, role, url_name):
    response = request(client_for(client, world, role), url_name)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
        return
    if SEES[role] is None:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    firms = [getattr(world, key) for key in SEES[role]]
    if url_name in ("page", "partial"):
        assert response.context["report"].firms == len(firms)
        sector = response.context["report"].table("sector")
        assert {row.code: row.count for row in sector.rows if row.count} == {
            firm.sector: 1 for firm in firms
        }
    elif url_name == "csv":
        counts = sector_counts(csv_rows(response))
        assert sum(int(n) for n in counts.values()) == len(firms)
    elif url_name == "xlsx":
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        assert rows[0][-1] == "n"
        assert sum(row[1] for row in rows[1:]) == len(firms)
        assert {row[-1] for row in rows[1:]} == {len(firms)}
    else:
        book = load_workbook(io.BytesIO(response.content))
        index = list(book["Informe"].iter_rows(values_only=True))
        assert index[2][1] == len(firms)
        assert len(book.sheetnames) == 1 + 27


def test_the_partial_is_only_the_tables(client, world):
    client_for(client, world, "admin")
    response = client.get(REPORT, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="t-cuadro-3"' in html
    page = client.get(REPORT).content.decode()
    assert "<html" in page
    assert 'hx-get="/diagnostico/informe/"' in page


# --- Partner staff: their members and nothing else -------------------------------------------


def test_partner_staff_cannot_widen_their_report_with_the_query_string(client, world):
    client_for(client, world, "partner_x")
    other = {"organisation": world.chamber_y.pk}
    response = client.get(REPORT, other)
    assert response.status_code == 200
    assert "organisation" not in response.context["form"].fields
    assert response.context["report"].firms == 1
    assert sector_counts(csv_rows(client.get(download_url(), other))) == {
        "Artesanías": "1",
        "Calzado": "0",
        "Textil y confección": "0",
        "Autopartes": "0",
        "Alimentos": "0",
        "Bebidas": "0",
        "Cosmética y cuidado personal": "0",
        "Accesorios y marroquinería": "0",
        "Tecnología": "0",
        "Otros": "0",
    }


def test_partner_staff_who_own_a_firm_do_not_add_it_to_their_organisations_report(client, world):
    """firms_visible_to lets them see their own firm; the partner's report stays its members'."""
    partner = world.users["partner_x"]
    FirmMembershipFactory(firm=world.c, user=partner)
    client.force_login(partner)
    response = client.get(REPORT)
    assert response.context["report"].firms == 1
    assert response.context["report"].table("sector").row("textil").count == 0
    assert [code for code, _name in response.context["form"].fields["country"].choices] == [
        "",
        "EC",
    ]


def test_partner_staff_page_and_downloads_never_name_other_firms(client, world):
    client_for(client, world, "partner_y")
    for response in (client.get(REPORT), client.get(REPORT, headers={"HX-Request": "true"})):
        html = response.content.decode()
        assert world.a.legal_name not in html
        assert world.c.legal_name not in html
        assert "n = 1" in html
    book = load_workbook(io.BytesIO(client.get(WORKBOOK).content))
    for sheet in book.worksheets[1:]:
        rows = list(sheet.iter_rows(values_only=True))
        assert {row[-1] for row in rows[1:]} <= {0, 1}, sheet.title


# --- Selection through the page ------------------------------------------------------------


def test_programme_staff_choose_an_organisation_they_see(client, world):
    client_for(client, world, "programme_ec")
    response = client.get(REPORT, {"organisation": world.chamber_y.pk})
    assert response.context["report"].firms == 1
    assert response.context["report"].table("sector").row("calzado").count == 1
    assert response.context["filters"] == [("Organización aliada", "Cámara Y")]
    choices = [label for _pk, label in response.context["form"].fields["organisation"].choices]
    assert choices == ["Todas", "Cámara X", "Cámara Y"]


def test_an_organisation_out_of_sight_is_an_error_not_a_report(client, world):
    client_for(client, world, "programme_cl")
    response = client.get(REPORT, {"organisation": world.chamber_x.pk})
    assert response.status_code == 200
    assert response.context["report"] is None
    assert "Corrija la selección" in response.content.decode()
    assert response.context["form"].errors["organisation"]
    download = client.get(download_url(), {"organisation": world.chamber_x.pk})
    assert download.status_code == 302
    assert download["Location"] == f"{REPORT}?organisation={world.chamber_x.pk}"


def test_dates_in_the_wrong_order_get_a_message_in_spanish(client, world):
    client_for(client, world, "admin")
    response = client.get(REPORT, {"date_from": "2026-03-10", "date_to": "2026-03-01"})
    assert response.context["report"] is None
    assert response.context["form"].errors["date_to"] == [
        "La fecha «hasta» es anterior a la fecha «desde». Corríjala."
    ]
    html = response.content.decode()
    assert 'value="2026-03-10"' in html  # what was typed is kept


def test_country_and_date_filters_through_the_page(client, world):
    client_for(client, world, "admin")
    response = client.get(REPORT, {"country": "EC", "date_from": "2026-03-02"})
    report = response.context["report"]
    assert report.firms == 2
    html = response.content.decode()
    assert "País: Ecuador; Respondido desde: 2026-03-02" in html
    # Download links carry the selection.
    assert f"{download_url('presencia', 'csv')}?country=EC&amp;date_from=2026-03-02" in html
    csv_response = client.get(download_url("tamano"), {"country": "EC"})
    assert sum(int(row[1]) for row in csv_rows(csv_response)[1:]) == 2
    assert client.get(REPORT, {"date_to": "2026-02-01"}).context["report"].firms == 0


def test_programme_staff_see_only_their_country_in_the_choices(client, world):
    client_for(client, world, "programme_cl")
    response = client.get(REPORT)
    assert [code for code, _n in response.context["form"].fields["country"].choices] == ["", "CL"]
    assert response.context["report"].firms == 1


def test_unknown_table_or_format_is_404(client, world):
    client_for(client, world, "admin")
    assert client.get(download_url("no-existe", "csv")).status_code == 404
    assert client.get(download_url("sector", "pdf")).status_code == 404


def test_csv_download_has_header_n_and_rounded_percentages(client, world):
    client_for(client, world, "admin")
    response = client.get(download_url("nivel", "csv"))
    assert response["Content-Disposition"].startswith(
        'attachment; filename="informe-autodiagnostico-nivel-'
    )
    rows = csv_rows(response)
    assert rows[0] == ["Nivel", "Empresas", "Empresas (%)", "n"]
    assert len(rows) == 7
    assert {row[3] for row in rows[1:]} == {"3"}
    assert sum(int(row[1]) for row in rows[1:]) == 3
    assert all(row[2] in {"0", "33", "67", "100"} for row in rows[1:])


def test_cuadro3_download_has_cepals_reference_columns(client, world):
    client_for(client, world, "admin")
    rows = csv_rows(client.get(download_url("cuadro-3", "csv")))
    assert rows[0][0] == "Área"
    assert rows[0][-8:] == [
        "CEPAL: Mucha (%)",
        "CEPAL: Poca (%)",
        "CEPAL: En desarrollo (%)",
        "CEPAL: Sin desarrollo (%)",
        "CEPAL: 0 (%)",
        "CEPAL: 1 (%)",
        "CEPAL: 2 (%)",
        "n",
    ]
    assert rows[1][0] == "Atención al cliente"
    assert rows[1][-8:-1] == ["58", "24", "11", "7", "7", "56", "23"]


def test_the_page_draws_charts_as_inline_svg_without_inline_style(client, world):
    client_for(client, world, "admin")
    html = client.get(REPORT).content.decode()
    assert html.count('<figure class="rc') >= 20
    assert "style=" not in html
    assert '<rect class="s1" x="0" width="' in html
    assert "<script" in html and "htmx" in html  # only the vendored script file


# --- Query counts: the same with 5 and 50 diagnoses -----------------------------------------


def _more_diagnoses(count: int) -> None:
    for index in range(count):
        firm = FirmFactory(sector="alimentos")
        submitted_diagnosis(firm, answers=answers_for(firm, seed=100 + index), answered_on=DAY)


@pytest.mark.parametrize("role", ["admin", "programme_ec", "partner_x"])
@pytest.mark.parametrize(
    ("url", "extra"),
    [
        (REPORT, {}),
        (REPORT, {"headers": {"HX-Request": "true"}}),
        (f"{REPORT}?country=EC&sector=alimentos&date_from=2026-01-01", {}),
        (download_url("presencia", "csv"), {}),
        (download_url("presencia", "xlsx"), {}),
        (WORKBOOK, {}),
    ],
)
def test_query_count_does_not_grow_with_the_diagnoses(client, world, role, url, extra):
    client_for(client, world, role)
    _more_diagnoses(2)  # 5 latest diagnoses
    few, response = queries_for(client, url, **extra)
    assert response.status_code == 200
    _more_diagnoses(45)  # 50
    many, response = queries_for(client, url, **extra)
    assert response.status_code == 200
    assert few == many
    assert many <= 8


def test_report_page_query_count_for_admin(client, world):
    client_for(client, world, "admin")
    count, response = queries_for(client, REPORT)
    # user, organisations to choose from, questionnaire versions, the population.
    assert count == 4
    count, response = queries_for(client, f"{REPORT}?organisation={world.chamber_x.pk}")
    assert count == 5  # + the chosen organisation
