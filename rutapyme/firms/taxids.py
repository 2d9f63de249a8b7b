"""Tax IDs (RUC, RUT, NIT, CUIT, RFC, CNPJ…): normalisation and check-digit validation.

`check_tax_id(country, raw)` returns the compact value to store and whether it is verified,
or a reason in Spanish why it is refused. It never raises for bad input.

Ecuador: the tax authority (SRI) issues company RUCs (third digit 9, private companies; 6,
public entities) for which no algorithmic check digit is guaranteed; python-stdnum rejects some
real, active ones (e.g. 1793213150001). Those are accepted and flagged "to verify". Personal RUCs
(third digit 0-5: the owner's cédula plus an establishment number) must pass the check digit.
"""

import importlib
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError

from rutapyme.core.countries import ALADI_COUNTRIES

from .models import TaxIdStatus

_NON_ALNUM = re.compile(r"[^0-9A-Za-z&Ññ]")


@dataclass(frozen=True)
class TaxIdCheck:
    value: str = ""
    status: str = TaxIdStatus.VALID
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def _strip_excel_float(raw: str) -> str:
    # "1790011674001.0" or "1.790011674001E+12" from a spreadsheet that stored it as a number
    text = raw.strip()
    if re.fullmatch(r"\d+\.0+", text):
        return text.split(".")[0]
    if re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", text):
        return str(int(float(text)))
    return text


def _check_ecuador(compact: str) -> TaxIdCheck:
    if not compact.isdigit():
        return TaxIdCheck(error=_("El RUC solo puede tener números."))
    if len(compact) == 12:
        # Excel dropped the leading zero of provinces 01-09.
        compact = "0" + compact
    if len(compact) != 13:
        return TaxIdCheck(
            error=_("El RUC debe tener 13 dígitos; tiene %(n)s.") % {"n": len(compact)}
        )
    province = int(compact[:2])
    if not (1 <= province <= 24 or province == 30):
        return TaxIdCheck(
            error=_("Los dos primeros dígitos (%(digits)s) no son una provincia.")
            % {"digits": compact[:2]}
        )
    if compact[-3:] == "000":
        return TaxIdCheck(error=_("El RUC debe terminar en un número de establecimiento (001)."))
    third = int(compact[2])
    if third in (7, 8):
        return TaxIdCheck(error=_("El tercer dígito del RUC no puede ser 7 ni 8."))
    module = importlib.import_module("stdnum.ec.ruc")
    try:
        module.validate(compact)
    except ValidationError:
        if third in (6, 9):
            return TaxIdCheck(value=compact, status=TaxIdStatus.TO_VERIFY)
        return TaxIdCheck(
            error=_("El dígito verificador no corresponde: revise el RUC (persona natural).")
        )
    return TaxIdCheck(value=compact, status=TaxIdStatus.VALID)


def _check_without_algorithm(compact: str, label: str) -> TaxIdCheck:
    if not compact.isalnum() or not 5 <= len(compact) <= 20:
        return TaxIdCheck(
            error=_("El %(label)s debe tener entre 5 y 20 letras o números.") % {"label": label}
        )
    return TaxIdCheck(value=compact.upper(), status=TaxIdStatus.TO_VERIFY)


def check_tax_id(country_code: str, raw: object) -> TaxIdCheck:
    country = ALADI_COUNTRIES.get(country_code)
    if country is None:
        return TaxIdCheck(error=_("País no admitido: %(code)s.") % {"code": country_code})
    text = _strip_excel_float(str(raw or ""))
    if not text:
        return TaxIdCheck(error=_("Falta el %(label)s.") % {"label": country.tax_id_label})
    compact = _NON_ALNUM.sub("", text)
    if country.code == "EC":
        return _check_ecuador(compact)
    if country.tax_id_module is None:
        return _check_without_algorithm(compact, country.tax_id_label)
    module = importlib.import_module(country.tax_id_module)
    try:
        value = module.validate(text)
    except ValidationError:
        return TaxIdCheck(
            error=_("El %(label)s no es válido: revise los dígitos y el verificador.")
            % {"label": country.tax_id_label}
        )
    return TaxIdCheck(value=module.compact(value).upper(), status=TaxIdStatus.VALID)
