"""Turning what people and spreadsheets write into the registry's values.

Each function takes raw text and returns `(value, error)`: the value to store, or a reason in
Spanish why the text cannot be understood. Shared by the forms and the bulk import.
"""

import re

import phonenumbers
from django.utils.translation import gettext as _

from rutapyme.core.countries import ALADI_COUNTRIES, SUBDIVISIONS
from rutapyme.core.text import clean, fold

from .models import OfferType, Sector, SizeBand

Result = tuple[str, str]  # (value, error)

_SECTOR_WORDS: dict[str, str] = {
    "artesania": Sector.ARTESANIAS,
    "artesanias": Sector.ARTESANIAS,
    "artesanal": Sector.ARTESANIAS,
    "calzado": Sector.CALZADO,
    "zapatos": Sector.CALZADO,
    "textil": Sector.TEXTIL,
    "textiles": Sector.TEXTIL,
    "confeccion": Sector.TEXTIL,
    "confecciones": Sector.TEXTIL,
    "textil y confeccion": Sector.TEXTIL,
    "textil/confeccion": Sector.TEXTIL,
    "indumentaria": Sector.TEXTIL,
    "ropa": Sector.TEXTIL,
    "autopartes": Sector.AUTOPARTES,
    "autoparte": Sector.AUTOPARTES,
    "repuestos automotrices": Sector.AUTOPARTES,
    "alimentos": Sector.ALIMENTOS,
    "alimento": Sector.ALIMENTOS,
    "alimentos procesados": Sector.ALIMENTOS,
    "agroindustria": Sector.ALIMENTOS,
    "bebidas": Sector.BEBIDAS,
    "bebida": Sector.BEBIDAS,
    "cosmetica": Sector.COSMETICA,
    "cosmeticos": Sector.COSMETICA,
    "cosmetica y cuidado personal": Sector.COSMETICA,
    "accesorios": Sector.ACCESORIOS,
    "marroquineria": Sector.ACCESORIOS,
    "accesorios y marroquineria": Sector.ACCESORIOS,
    "accesorios/marroquineria": Sector.ACCESORIOS,
    "cuero": Sector.ACCESORIOS,
    "tecnologia": Sector.TECNOLOGIA,
    "tecnologias": Sector.TECNOLOGIA,
    "otros": Sector.OTROS,
    "otro": Sector.OTROS,
}

_OFFER_WORDS: dict[str, str] = {
    "productos": OfferType.PRODUCTS,
    "producto": OfferType.PRODUCTS,
    "bienes": OfferType.PRODUCTS,
    "p": OfferType.PRODUCTS,
    "servicios": OfferType.SERVICES,
    "servicio": OfferType.SERVICES,
    "s": OfferType.SERVICES,
    "ambos": OfferType.BOTH,
    "mixto": OfferType.BOTH,
    "productos y servicios": OfferType.BOTH,
    "bienes y servicios": OfferType.BOTH,
    "productos/servicios": OfferType.BOTH,
}

_TRUE = {"si", "s", "1", "true", "verdadero", "x", "yes", "y"}
_FALSE = {"no", "n", "0", "false", "falso"}


def _province_index() -> dict[str, dict[str, str]]:
    index: dict[str, dict[str, str]] = {}
    for country_code, subdivisions in SUBDIVISIONS.items():
        entries: dict[str, str] = {}
        for code, name in subdivisions.items():
            entries[fold(name)] = code
            entries[fold(code)] = code
            entries[fold(code.split("-", 1)[1])] = code
        index[country_code] = entries
    # Common short forms and old spellings in Ecuador's bases.
    ec = index["EC"]
    ec.update(
        {
            "santo domingo": "EC-SD",
            "santo domingo de los tsachilas": "EC-SD",
            "sto. domingo": "EC-SD",
            "galapagos": "EC-W",
            "morona": "EC-S",
            "zamora": "EC-Z",
            "francisco de orellana": "EC-D",
        }
    )
    return index


_PROVINCES = _province_index()


def parse_province(country: str, raw: object) -> Result:
    text = clean(raw)
    if not text:
        return "", ""
    known = _PROVINCES.get(country)
    if known is None:
        return text[:10], ""  # no list for this country yet: keep as written
    code = known.get(fold(text))
    if code is None:
        return "", _("Provincia desconocida: «%(text)s».") % {"text": text}
    return code, ""


def parse_canton(raw: object) -> Result:
    text = clean(raw)
    return (text.title() if text.isupper() or text.islower() else text)[:120], ""


def parse_sector(raw: object) -> Result:
    text = clean(raw)
    if not text:
        return "", _("Falta el sector.")
    folded = fold(text)
    value = _SECTOR_WORDS.get(folded)
    if value is None:
        # "TEXTIL - CONFECCION", "Alimentos y bebidas"…: first known word wins.
        for word in re.split(r"[^a-z]+", folded):
            if word in _SECTOR_WORDS:
                value = _SECTOR_WORDS[word]
                break
    if value is None:
        return "", _("Sector desconocido: «%(text)s».") % {"text": text}
    return str(value), ""


def parse_offer_type(raw: object) -> Result:
    text = clean(raw)
    if not text:
        return "", _("Falta el tipo de oferta (productos, servicios o ambos).")
    value = _OFFER_WORDS.get(fold(text))
    if value is None:
        message = _("Tipo de oferta desconocido: «%(text)s» (use productos, servicios o ambos).")
        return "", message % {"text": text}
    return str(value), ""


def parse_employees(raw: object) -> tuple[int | None, str, str]:
    """Returns (employees, size_band, error). Accepts 5, "5.0", "6-25", "1 a 5", "+100"."""
    text = clean(raw).replace(",", ".")
    if not text:
        return None, "", _("Falta el número de empleados.")
    folded = fold(text)
    if folded.startswith("+") or folded.startswith("mas de"):
        digits = re.findall(r"\d+", folded)
        floor = int(digits[0]) + 1 if digits else 101
        return None, str(SizeBand.for_employees(floor)), ""
    if re.match(r"-\s*\d", folded):
        return None, "", _("Número de empleados no válido: «%(text)s».") % {"text": text}
    numbers = re.findall(r"\d+(?:\.\d+)?", folded)
    if not numbers:
        return None, "", _("Número de empleados no válido: «%(text)s».") % {"text": text}
    values = [float(n) for n in numbers]
    if len(values) == 1:
        if not values[0].is_integer():
            return None, "", _("Número de empleados no válido: «%(text)s».") % {"text": text}
        count = int(values[0])
        return count, str(SizeBand.for_employees(count)), ""
    low, high = int(values[0]), int(values[1])
    if high < low:
        return None, "", _("Rango de empleados no válido: «%(text)s».") % {"text": text}
    band_low, band_high = SizeBand.for_employees(low), SizeBand.for_employees(high)
    if band_low != band_high:
        message = _("El rango «%(text)s» cruza dos tamaños; indique un número.")
        return None, "", message % {"text": text}
    return None, str(band_low), ""


def parse_phone(country: str, raw: object) -> Result:
    """Any common way of writing a phone number -> E.164 ("+593991234567")."""
    text = clean(raw)
    if not text:
        return "", ""
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    region = country if country in ALADI_COUNTRIES else None
    candidate = text
    digits = re.sub(r"\D", "", text)
    if country == "EC" and not text.startswith("+"):
        # Excel drops the leading 0: 991234567 (mobile) or 22345678 (Quito landline).
        if digits.startswith("593"):
            candidate = "+" + digits
        elif len(digits) in (8, 9) and not digits.startswith("0"):
            candidate = "0" + digits
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return "", _("Teléfono no válido: «%(text)s».") % {"text": text}
    if not phonenumbers.is_valid_number(number):
        return "", _("Teléfono no válido: «%(text)s».") % {"text": text}
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), ""


def parse_bool(raw: object) -> tuple[bool | None, str]:
    text = fold(clean(raw))
    if not text:
        return None, ""
    if text in _TRUE:
        return True, ""
    if text in _FALSE:
        return False, ""
    return None, _("Valor no reconocido: «%(text)s» (use SI o NO).") % {"text": clean(raw)}
