"""Synthetic but valid firm data, for factories, the demo programme and scale benchmarks."""

import itertools
import random
import re

from stdnum.ec import ruc as stdnum_ruc

from rutapyme.core.countries import EC_PROVINCES
from rutapyme.core.text import fold

from . import demo_data
from .models import OfferType, Sector, SizeBand, TaxIdStatus

# ISO 3166-2:EC code -> the two-digit province prefix of Ecuadorian cédulas and RUCs.
EC_RUC_PROVINCE = {
    "EC-A": "01", "EC-B": "02", "EC-F": "03", "EC-C": "04", "EC-X": "05", "EC-H": "06",
    "EC-O": "07", "EC-E": "08", "EC-G": "09", "EC-I": "10", "EC-L": "11", "EC-R": "12",
    "EC-M": "13", "EC-S": "14", "EC-N": "15", "EC-Y": "16", "EC-P": "17", "EC-T": "18",
    "EC-Z": "19", "EC-W": "20", "EC-U": "21", "EC-D": "22", "EC-SD": "23", "EC-SE": "24",
}  # fmt: skip


def ec_personal_ruc(rng: random.Random, province_prefix: str = "17") -> str:
    """A natural person's RUC: a valid cédula (modulo 10) followed by establishment 001."""
    body = province_prefix + str(rng.randint(0, 5)) + f"{rng.randint(0, 999999):06d}"
    return body + _cedula_check_digit(body) + "001"


def _cedula_check_digit(body: str) -> str:
    """The modulo-10 check digit of the first nine digits of a cédula."""
    total = 0
    for index, digit in enumerate(body):
        product = int(digit) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return str((10 - total % 10) % 10)


def ec_company_ruc(rng: random.Random, province_prefix: str = "17") -> str:
    """A private company's RUC (third digit 9) with a valid modulo-11 check digit."""
    while True:
        body = province_prefix + "9" + f"{rng.randint(0, 999999):06d}"
        total = sum(int(d) * w for d, w in zip(body, (4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True))
        check = 11 - total % 11
        if check == 10:
            continue
        return body + str(0 if check == 11 else check) + "001"


TRADE_WORDS = [
    "Artesanías", "Calzado", "Textiles", "Dulces", "Café", "Cacao", "Cueros", "Tejidos",
    "Sombreros", "Joyería", "Cerámica", "Bordados", "Chocolates", "Mermeladas", "Repuestos",
    "Cosméticos", "Jabones", "Hilados", "Maderas", "Flores",
]  # fmt: skip
PLACE_WORDS = [
    "Andino", "del Pacífico", "Cuencano", "Otavalo", "La Mitad del Mundo", "Amazónico",
    "del Sur", "Imbabureño", "Manabita", "Lojano", "Chimbo", "de la Sierra", "Montubio",
]  # fmt: skip
SECTOR_WEIGHTS = [
    (Sector.ARTESANIAS, 18), (Sector.CALZADO, 10), (Sector.TEXTIL, 16), (Sector.AUTOPARTES, 6),
    (Sector.ALIMENTOS, 22), (Sector.BEBIDAS, 6), (Sector.COSMETICA, 6), (Sector.ACCESORIOS, 6),
    (Sector.TECNOLOGIA, 4), (Sector.OTROS, 6),
]  # fmt: skip
# Rough share of firms per province (Pichincha and Guayas dominate Ecuador's business base).
PROVINCE_WEIGHTS = dict.fromkeys(EC_PROVINCES, 1) | {
    "EC-P": 24, "EC-G": 22, "EC-A": 7, "EC-M": 6, "EC-T": 5, "EC-O": 4, "EC-L": 3, "EC-I": 3,
    "EC-H": 3, "EC-X": 2, "EC-SD": 3, "EC-R": 3, "EC-E": 2,
}  # fmt: skip


def firm_fields(rng: random.Random) -> dict:
    """A plausible Ecuadorian mipyme (without tax ID)."""
    province = rng.choices(list(PROVINCE_WEIGHTS), weights=list(PROVINCE_WEIGHTS.values()))[0]
    sector = rng.choices([s for s, _ in SECTOR_WEIGHTS], weights=[w for _, w in SECTOR_WEIGHTS])[0]
    employees = rng.choices([rng.randint(0, 5), rng.randint(6, 25), rng.randint(26, 100)],
                            weights=[70, 25, 5])[0]  # fmt: skip
    trade = f"{rng.choice(TRADE_WORDS)} {rng.choice(PLACE_WORDS)}"
    offer = rng.choices(
        [OfferType.PRODUCTS, OfferType.BOTH, OfferType.SERVICES], weights=[80, 15, 5]
    )[0]
    return {
        "province": province,
        "sector": str(sector),
        "offer_type": str(offer),
        "employees": employees,
        "size_band": str(SizeBand.for_employees(employees)),
        "trade_name": trade,
    }


# --- Richer generators for the demo programme and scale runs ----------------------------------
# They draw only from `random.Random` and the word lists of `demo_data`, never from Faker (a
# development-only dependency): the management commands that use them run in production images.


def ec_company_ruc_to_verify(rng: random.Random, province_prefix: str = "17") -> str:
    """A company RUC (third digit 9) whose check digit fails the algorithm.

    The SRI has issued real, active RUCs like this (see `taxids`); the registry accepts them
    and flags them "to verify".
    """
    while True:
        valid = ec_company_ruc(rng, province_prefix)
        for shift in range(1, 10):
            candidate = valid[:9] + str((int(valid[9]) + shift) % 10) + valid[10:]
            if not stdnum_ruc.is_valid(candidate):
                return candidate


def ec_mobile(rng: random.Random) -> str:
    """An Ecuadorian mobile number in E.164: +593 98 XXX XXXX or +593 99 XXX XXXX.

    Only ranges that libphonenumber (the `phonenumbers` package) knows as allocated mobiles.
    """
    return f"+5939{rng.choice('89')}{rng.randint(0, 9_999_999):07d}"


def ec_phone(rng: random.Random, province: str, mobile_share: float = 0.85) -> str:
    """Mostly mobiles (what mipymes give); otherwise a landline of the province's area code."""
    if rng.random() < mobile_share:
        return ec_mobile(rng)
    area = demo_data.EC_AREA_CODES.get(province, "2")
    return f"+593{area}{rng.randint(2, 7)}{rng.randint(0, 999_999):06d}"


def ec_person_name(rng: random.Random) -> tuple[str, str]:
    """(full name, short name): two given names and two surnames, as on an Ecuadorian cédula."""
    names = demo_data.FEMALE_NAMES if rng.random() < 0.55 else demo_data.MALE_NAMES
    first, second = rng.sample(names, 2)
    father, mother = rng.choice(demo_data.SURNAMES), rng.choice(demo_data.SURNAMES)
    return f"{first} {second} {father} {mother}", f"{first} {father}"


def ec_canton(rng: random.Random, province: str) -> str:
    """A real canton of the province; the provincial capital is the most likely."""
    cantons = demo_data.EC_CANTONS[province]
    return cantons[0] if rng.random() < 0.5 else rng.choice(cantons)


def _sector_table(province: str) -> tuple[list[str], list[int]]:
    weights = dict(demo_data.SECTOR_WEIGHTS)
    for sector, extra in demo_data.PROVINCE_SECTOR_BOOST.get(province, {}).items():
        weights[sector] += extra
    return [str(s) for s in weights], list(itertools.accumulate(weights.values()))


_SECTOR_TABLES = {province: _sector_table(province) for province in EC_PROVINCES}
_EMPLOYEES = [(0, 3), (1, 24), (2, 22), (3, 15), (4, 9), (5, 6), (8, 7), (12, 6), (20, 4),
              (35, 3), (60, 1)]  # fmt: skip
_EMPLOYEES_CUM = list(itertools.accumulate(w for _, w in _EMPLOYEES))
_OFFERS = [str(OfferType.PRODUCTS), str(OfferType.BOTH), str(OfferType.SERVICES)]
_OFFERS_CUM = [80, 92, 100]
_FORMS = [form for form, _ in demo_data.COMPANY_FORMS]
_FORMS_CUM = list(itertools.accumulate(w for _, w in demo_data.COMPANY_FORMS))


def ec_sector(rng: random.Random, province: str) -> str:
    sectors, cumulative = _SECTOR_TABLES[province]
    return rng.choices(sectors, cum_weights=cumulative)[0]


def ec_employees(rng: random.Random) -> int:
    """Mostly micro firms (0-5 people), as in the programme's base."""
    base = rng.choices(_EMPLOYEES, cum_weights=_EMPLOYEES_CUM)[0][0]
    return base if base <= 5 else base + rng.randint(0, base // 2)


def ec_trade_name(rng: random.Random, *, sector: str, canton: str, surname: str) -> str:
    """What the firm calls itself: "Calzado Andino", "Artesanías Chordeleg", "Tejidos Quishpe"."""
    noun = rng.choice(demo_data.SECTOR_NOUNS[sector])
    pattern = rng.random()
    if pattern < 0.35:
        return f"{noun} {rng.choice(demo_data.QUALIFIERS)}"
    if pattern < 0.65:
        return f"{noun} {canton}"
    if pattern < 0.9:
        return f"{noun} {surname}"
    return f"{noun} Hermanos {surname}"


def ec_company_legal_name(rng: random.Random, trade_name: str) -> str:
    """A company's registered name: "Calzado Andino Cía. Ltda.", "Fábrica de Cacao Inti S.A."."""
    form = rng.choices(_FORMS, cum_weights=_FORMS_CUM)[0]
    return f"{rng.choice(demo_data.COMPANY_PREFIXES)}{trade_name} {form}"


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Letters and digits only, accents folded: "Artesanías Chordeleg" -> "artesaniaschordeleg"."""
    return _NOT_SLUG.sub("", fold(text))


def ec_firm(
    rng: random.Random,
    *,
    province: str | None = None,
    company: bool | None = None,
    to_verify: bool = False,
) -> dict:
    """A complete plausible Ecuadorian mipyme: the Firm fields plus `owner_name`.

    Personal RUC firms (most micro firms) carry their owner's name as legal name; companies
    get a registered name with its legal form. `to_verify` gives a company RUC whose check
    digit fails the algorithm (accepted, flagged "to verify"). Emails and websites use the
    reserved example domains only.
    """
    if province is None:
        province = rng.choices(list(PROVINCE_WEIGHTS), weights=list(PROVINCE_WEIGHTS.values()))[0]
    if company is None:
        company = to_verify or rng.random() < 0.35
    prefix = EC_RUC_PROVINCE[province]
    canton = ec_canton(rng, province)
    sector = ec_sector(rng, province)
    owner_name, short_name = ec_person_name(rng)
    surname = owner_name.split(" ")[2]
    trade_name = ec_trade_name(rng, sector=sector, canton=canton, surname=surname)
    if to_verify:
        tax_id, status = ec_company_ruc_to_verify(rng, prefix), TaxIdStatus.TO_VERIFY
    elif company:
        tax_id, status = ec_company_ruc(rng, prefix), TaxIdStatus.VALID
    else:
        tax_id, status = ec_personal_ruc(rng, prefix), TaxIdStatus.VALID
    legal_name = ec_company_legal_name(rng, trade_name) if company else owner_name
    employees = ec_employees(rng)
    if sector in (Sector.TECNOLOGIA, Sector.OTROS) and rng.random() < 0.6:
        offer = str(OfferType.SERVICES)
    else:
        offer = rng.choices(_OFFERS, cum_weights=_OFFERS_CUM)[0]
    mailbox = slug(trade_name)
    domain = "example.ec" if rng.random() < 0.7 else "example.com"
    online = rng.random()
    return {
        "country": "EC",
        "tax_id": tax_id,
        "tax_id_status": str(status),
        "legal_name": legal_name,
        "trade_name": trade_name,
        "province": province,
        "canton": canton,
        "sector": sector,
        "offer_type": offer,
        "employees": employees,
        "size_band": str(SizeBand.for_employees(employees)),
        "legal_representative": owner_name,
        "email": f"{mailbox}@{domain}",
        "phone": ec_phone(rng, province, mobile_share=0.7 if company else 0.95),
        "website": f"https://{mailbox}.example.com" if company and rng.random() < 0.3 else "",
        "sells_online": True if online < 0.3 else (False if online < 0.8 else None),
        "owner_name": owner_name,
        "owner_short_name": short_name,
    }


# ~40% of firms belong to a chamber: most of them in the chamber's own province, a few
# elsewhere (the chambers of Quito and Guayaquil have members all over the country);
# ~30% sell through Mercado Libre.
CHAMBER_SHARE = 0.75
NATIONAL_CHAMBER_SHARE = 0.12
MARKETPLACE_SHARE = 0.3


def ec_partner_keys(rng: random.Random, province: str) -> list[str]:
    """The partners (keys of `demo_data.ORGANISATIONS`) a firm of this province belongs to."""
    partners = []
    chamber = demo_data.CHAMBER_BY_PROVINCE.get(province)
    if chamber and rng.random() < CHAMBER_SHARE:
        partners.append(chamber)
    elif not chamber and rng.random() < NATIONAL_CHAMBER_SHARE:
        partners.append(rng.choice(["ccq", "ccg"]))
    if rng.random() < MARKETPLACE_SHARE:
        partners.append("mercadolibre")
    return partners


def member_reference(rng: random.Random, partner_key: str) -> str:
    """A partner's own code for the firm: a seller id at the marketplace, a member number."""
    if partner_key == "mercadolibre":
        return f"ML-{rng.randint(100_000_000, 999_999_999)}"
    short_name = demo_data.ORGANISATIONS[partner_key][1]
    return f"{short_name}-{rng.randint(1, 99_999):05d}"


# --- Counter-derived RUCs for scale runs -------------------------------------------------------
# Index i of a scale run maps to one personal RUC, with no randomness and no lookup: provinces
# take turns in proportion to PROVINCE_WEIGHTS (so filters by province stay realistic), and
# within a province a per-province counter j gives third digit j % 6 and six digits j // 6.

_SCALE_SLOTS: list[tuple[str, int, int]] = []  # (province, rank among its slots, its weight)
for _province, _weight in PROVINCE_WEIGHTS.items():
    _SCALE_SLOTS.extend((_province, rank, _weight) for rank in range(_weight))
_SCALE_SLOTS.sort(key=lambda slot: (slot[1], slot[0]))  # interleave provinces
# Every province counter stays below 6 * 10**6 (third digit 0-5, six digits): ~24 million firms.
SCALE_RUC_CAPACITY = len(_SCALE_SLOTS) * (6_000_000 // max(PROVINCE_WEIGHTS.values()))


def ec_scale_ruc(index: int) -> tuple[str, str]:
    """(province, valid personal RUC) for the index-th firm of a scale run; distinct per index."""
    if not 0 <= index < SCALE_RUC_CAPACITY:
        raise ValueError(f"scale index {index} outside 0..{SCALE_RUC_CAPACITY - 1}")
    cycle, slot = divmod(index, len(_SCALE_SLOTS))
    province, rank, weight = _SCALE_SLOTS[slot]
    j = cycle * weight + rank
    body = f"{EC_RUC_PROVINCE[province]}{j % 6}{j // 6:06d}"
    return province, body + _cedula_check_digit(body) + "001"


def ec_scale_ruc_spare(index: int) -> str:
    """A second, disjoint RUC space for index (prefix 30: cédulas issued abroad).

    Used when the primary RUC of an index is already taken by a firm that did not come from
    the scale run (a demo or imported firm drawn at random).
    """
    if not 0 <= index < 6_000_000:
        raise ValueError(f"scale index {index} outside the spare RUC space")
    body = f"30{index % 6}{index // 6:06d}"
    return body + _cedula_check_digit(body) + "001"
