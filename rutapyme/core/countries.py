"""The 13 ALADI member countries and their first-level subdivisions.

Names, dialling codes and ISO 4217 currencies come from the open "country-codes" data package
(datahub.io/core/country-codes, ODC-PDDL), as copied into shared/data on 2026-11-21. Ecuador's
24 provinces are ISO 3166-2:EC. Other countries' subdivisions are added as programmes open there.
"""

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from .text import fold


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    name: str  # Spanish short name
    currency: str  # ISO 4217
    dial_code: str  # ITU, without "+"
    tax_id_label: str  # what firms call their tax ID
    tax_id_module: str | None  # python-stdnum module with a check-digit rule, if any
    time_zone: str


ALADI_COUNTRIES: dict[str, Country] = {
    c.code: c
    for c in [
        Country(
            "AR",
            "Argentina",
            "ARS",
            "54",
            "CUIT",
            "stdnum.ar.cuit",
            "America/Argentina/Buenos_Aires",
        ),
        Country("BO", "Bolivia", "BOB", "591", "NIT", None, "America/La_Paz"),
        Country("BR", "Brasil", "BRL", "55", "CNPJ", "stdnum.br.cnpj", "America/Sao_Paulo"),
        Country("CL", "Chile", "CLP", "56", "RUT", "stdnum.cl.rut", "America/Santiago"),
        Country("CO", "Colombia", "COP", "57", "NIT", "stdnum.co.nit", "America/Bogota"),
        Country("CU", "Cuba", "CUP", "53", "NIT", None, "America/Havana"),
        Country("EC", "Ecuador", "USD", "593", "RUC", "stdnum.ec.ruc", "America/Guayaquil"),
        Country("MX", "México", "MXN", "52", "RFC", "stdnum.mx.rfc", "America/Mexico_City"),
        Country("PA", "Panamá", "PAB", "507", "RUC", None, "America/Panama"),
        Country("PY", "Paraguay", "PYG", "595", "RUC", "stdnum.py.ruc", "America/Asuncion"),
        Country("PE", "Perú", "PEN", "51", "RUC", "stdnum.pe.ruc", "America/Lima"),
        Country("UY", "Uruguay", "UYU", "598", "RUT", "stdnum.uy.rut", "America/Montevideo"),
        Country("VE", "Venezuela", "VED", "58", "RIF", "stdnum.ve.rif", "America/Caracas"),
    ]
}

COUNTRY_CHOICES = [(c.code, c.name) for c in ALADI_COUNTRIES.values()]

# ISO 3166-2:EC. Code -> official name.
EC_PROVINCES: dict[str, str] = {
    "EC-A": "Azuay",
    "EC-B": "Bolívar",
    "EC-F": "Cañar",
    "EC-C": "Carchi",
    "EC-H": "Chimborazo",
    "EC-X": "Cotopaxi",
    "EC-O": "El Oro",
    "EC-E": "Esmeraldas",
    "EC-W": "Galápagos",
    "EC-G": "Guayas",
    "EC-I": "Imbabura",
    "EC-L": "Loja",
    "EC-R": "Los Ríos",
    "EC-M": "Manabí",
    "EC-S": "Morona Santiago",
    "EC-N": "Napo",
    "EC-D": "Orellana",
    "EC-Y": "Pastaza",
    "EC-P": "Pichincha",
    "EC-SE": "Santa Elena",
    "EC-SD": "Santo Domingo de los Tsáchilas",
    "EC-U": "Sucumbíos",
    "EC-T": "Tungurahua",
    "EC-Z": "Zamora Chinchipe",
}

SUBDIVISIONS: dict[str, dict[str, str]] = {"EC": EC_PROVINCES}


def country(code: str) -> Country:
    return ALADI_COUNTRIES[code]


def subdivision_choices(country_code: str) -> list[tuple[str, str]]:
    return sorted(SUBDIVISIONS.get(country_code, {}).items(), key=lambda item: item[1])


def subdivision_name(code: str) -> str:
    for subdivisions in SUBDIVISIONS.values():
        if code in subdivisions:
            return subdivisions[code]
    return code


UNKNOWN = _("Sin dato")


# Every ISO 3166-1 country, for destinations of exports (data/world_countries.json, from the
# same "country-codes" package, ODC-PDDL, copied on 2026-11-21). Spanish official names.
@functools.cache
def world_countries() -> dict[str, str]:
    path = Path(__file__).with_name("data") / "world_countries.json"
    data = json.loads(path.read_text(encoding="utf-8"))["countries"]
    return {
        code: entry["es"] for code, entry in sorted(data.items(), key=lambda e: fold(e[1]["es"]))
    }


def world_country_choices() -> list[tuple[str, str]]:
    return list(world_countries().items())
