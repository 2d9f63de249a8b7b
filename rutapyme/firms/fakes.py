"""Synthetic but valid firm data, for factories, the demo programme and scale benchmarks."""

import random

from rutapyme.core.countries import EC_PROVINCES

from .models import OfferType, Sector, SizeBand

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
    total = 0
    for index, digit in enumerate(body):
        product = int(digit) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    check = (10 - total % 10) % 10
    return body + str(check) + "001"


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
