import random

import factory

from rutapyme.accounts.tests.factories import UserFactory
from rutapyme.firms.fakes import ec_company_ruc, ec_personal_ruc
from rutapyme.firms.models import Firm, FirmAffiliation, FirmMembership, Source

_rng = random.Random(20261121)


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm

    country = "EC"
    tax_id = factory.LazyFunction(
        lambda: ec_company_ruc(_rng) if _rng.random() < 0.3 else ec_personal_ruc(_rng)
    )
    legal_name = factory.Faker("company", locale="es_ES")
    trade_name = factory.Faker("company", locale="es_ES")
    province = "EC-P"
    canton = "Quito"
    sector = "artesanias"
    offer_type = "products"
    size_band = "0-5"
    employees = 3
    email = factory.Faker("email")
    phone = "+593991234567"
    source = Source.IMPORTED


class FirmMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FirmMembership

    firm = factory.SubFactory(FirmFactory)
    user = factory.SubFactory(UserFactory)
    role = FirmMembership.Role.OWNER


class FirmAffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FirmAffiliation

    firm = factory.SubFactory(FirmFactory)
    organisation = factory.SubFactory("rutapyme.accounts.tests.factories.OrganisationFactory")


def edit_payload(firm: Firm, **changes) -> dict:
    """The firm edit form's POST data for `firm` as it stands, with `changes` applied."""
    data = {
        "legal_name": firm.legal_name,
        "trade_name": firm.trade_name,
        "province": firm.province,
        "canton": firm.canton,
        "sector": firm.sector,
        "offer_type": firm.offer_type,
        "employees": firm.employees,
        "legal_representative": firm.legal_representative,
        "email": firm.email,
        "phone": firm.phone,
        "website": firm.website,
        "sells_online": "" if firm.sells_online is None else str(firm.sells_online).lower(),
    }
    data.update(changes)
    return data
