"""The programmes' test world, walked as a matrix of roles by every view's tests.

Ecuador's ministry runs the programme P with two partner chambers, X and Y; Chile's ministry
runs its own programme. Cohort K of P has firm A (a member of X) joined and firm B (a member
of Y) invited; firm C, of Chile, is in Chile's cohort. The consultant teaches K's live
session; another consultant teaches nothing.
"""

from dataclasses import dataclass

import pytest

from rutapyme.accounts.models import Organisation
from rutapyme.accounts.tests.factories import (
    AdminFactory,
    ConsultantFactory,
    EditorFactory,
    OrganisationFactory,
    PartnerStaffFactory,
    ProgrammeStaffFactory,
)
from rutapyme.firms.models import Firm
from rutapyme.firms.tests.factories import (
    FirmAffiliationFactory,
    FirmFactory,
    FirmMembershipFactory,
)
from rutapyme.programmes.models import Cohort, Enrolment, LiveSession, Programme

from .factories import MINISTRY, enrol, make_cohort, make_programme, make_session

ROLES = [
    "anonymous", "member_a", "member_b", "partner_x", "partner_y", "partner_z",
    "programme_ec", "programme_cl", "consultant", "consultant_other", "editor", "admin",
]  # fmt: skip


@dataclass
class ProgrammeWorld:
    programme: Programme
    programme_cl: Programme
    cohort: Cohort
    cohort_cl: Cohort
    a: Firm
    b: Firm
    c: Firm
    enrolment_a: Enrolment
    enrolment_b: Enrolment
    enrolment_c: Enrolment
    session: LiveSession
    users: dict


@pytest.fixture
def pworld() -> ProgrammeWorld:
    ministry = OrganisationFactory(name=MINISTRY, kind=Organisation.Kind.GOVERNMENT)
    ministry_cl = OrganisationFactory(
        name="Ministerio de Economía", country="CL", kind=Organisation.Kind.GOVERNMENT
    )
    chamber_x = OrganisationFactory(name="Cámara X")
    chamber_y = OrganisationFactory(name="Cámara Y")
    chamber_z = OrganisationFactory(name="Cámara Z")  # not a partner of any programme
    programme = make_programme(ministry, partners=[chamber_x, chamber_y])
    programme_cl = make_programme(ministry_cl, name="Chile Exporta Digital", country="CL")
    cohort = make_cohort(programme, name="Promoción 1")
    cohort_cl = make_cohort(programme_cl, name="Cohorte 1")
    a = FirmFactory(
        legal_name="Artesanías A S.A.", trade_name="Artesanías A", tax_id="1790011674001"
    )
    b = FirmFactory(legal_name="Bordados B S.A.", trade_name="Bordados B", tax_id="1710034065001")
    c = FirmFactory(
        country="CL", legal_name="Cueros C SpA", trade_name="Cueros C", tax_id="760864283",
        province="", canton="Santiago",
    )  # fmt: skip
    FirmAffiliationFactory(firm=a, organisation=chamber_x)
    FirmAffiliationFactory(firm=b, organisation=chamber_y)
    FirmAffiliationFactory(firm=b, organisation=chamber_z)
    consultant = ConsultantFactory()
    users = {
        "anonymous": None,
        "member_a": FirmMembershipFactory(firm=a).user,
        "member_b": FirmMembershipFactory(firm=b).user,
        "partner_x": PartnerStaffFactory(organisation=chamber_x),
        "partner_y": PartnerStaffFactory(organisation=chamber_y),
        "partner_z": PartnerStaffFactory(organisation=chamber_z),
        "programme_ec": ProgrammeStaffFactory(organisation=ministry),
        "programme_cl": ProgrammeStaffFactory(organisation=ministry_cl),
        "consultant": consultant,
        "consultant_other": ConsultantFactory(),
        "editor": EditorFactory(),
        "admin": AdminFactory(),
    }
    return ProgrammeWorld(
        programme=programme,
        programme_cl=programme_cl,
        cohort=cohort,
        cohort_cl=cohort_cl,
        a=a,
        b=b,
        c=c,
        enrolment_a=enrol(cohort, a, Enrolment.State.JOINED),
        enrolment_b=enrol(cohort, b),
        enrolment_c=enrol(cohort_cl, c, Enrolment.State.JOINED),
        session=make_session(cohort, teacher_user=consultant),
        users=users,
    )


def client_for(client, world: ProgrammeWorld, role: str):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client
