"""Who a programme is for: its rules, each firm's answer with the reasons, and the same rules
as a database filter for selecting firms in bulk.

An empty rule list means "any". Sectors have two lists: `sectors` (allowed; empty = all) and
`priority_sectors` (allowed and listed first). Both functions below read the same rules, so
the page of one firm and the bulk selection never disagree (a test checks it on every rule).
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from rutapyme.core.countries import ALADI_COUNTRIES, subdivision_name
from rutapyme.firms.models import Firm, OfferType, Sector, SizeBand

from .models import Programme


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: list[str] = field(default_factory=list)  # why not, one sentence per rule failed
    priority: bool = False  # in one of the programme's priority sectors


def _allowed_sectors(programme: Programme) -> list[str]:
    if not programme.sectors:
        return []
    return sorted(set(programme.sectors) | set(programme.priority_sectors))


def _labels(choices, values) -> str:
    names = dict(choices.choices)
    return ", ".join(str(names.get(v, v)) for v in values)


def firm_eligibility(programme: Programme, firm: Firm) -> Eligibility:
    reasons = []
    if firm.country != programme.country:
        country = ALADI_COUNTRIES.get(programme.country)
        reasons.append(
            _("El programa es para empresas de %(country)s.")
            % {"country": country.name if country else programme.country}
        )
    if programme.offer_types and firm.offer_type not in programme.offer_types:
        reasons.append(
            _("El programa admite empresas que ofrecen: %(types)s.")
            % {"types": _labels(OfferType, programme.offer_types)}
        )
    sectors = _allowed_sectors(programme)
    if sectors and firm.sector not in sectors:
        reasons.append(
            _("El sector «%(sector)s» no está entre los del programa (%(sectors)s).")
            % {"sector": firm.get_sector_display(), "sectors": _labels(Sector, sectors)}
        )
    if programme.provinces and firm.province not in programme.provinces:
        reasons.append(
            _("La provincia «%(province)s» no está entre las del programa.")
            % {"province": firm.province_name or _("sin provincia")}
        )
    if programme.size_bands and firm.size_band not in programme.size_bands:
        reasons.append(
            _("El programa es para empresas de %(sizes)s.")
            % {"sizes": _labels(SizeBand, programme.size_bands)}
        )
    return Eligibility(
        eligible=not reasons,
        reasons=reasons,
        priority=firm.sector in (programme.priority_sectors or []),
    )


def eligible_q(programme: Programme, prefix: str = "") -> Q:
    """The same rules as `firm_eligibility`, as a filter on firms (or on `prefix`+fields)."""
    q = Q(**{f"{prefix}country": programme.country})
    if programme.offer_types:
        q &= Q(**{f"{prefix}offer_type__in": programme.offer_types})
    sectors = _allowed_sectors(programme)
    if sectors:
        q &= Q(**{f"{prefix}sector__in": sectors})
    if programme.provinces:
        q &= Q(**{f"{prefix}province__in": programme.provinces})
    if programme.size_bands:
        q &= Q(**{f"{prefix}size_band__in": programme.size_bands})
    return q


def rules_summary(programme: Programme) -> list[str]:
    """The rules in words, for the programme page."""
    lines = [_("Empresas de %(country)s.") % {"country": ALADI_COUNTRIES[programme.country].name}]
    if programme.offer_types:
        lines.append(
            _("Que ofrecen: %(types)s.") % {"types": _labels(OfferType, programme.offer_types)}
        )
    if programme.priority_sectors:
        lines.append(
            _("Sectores prioritarios: %(sectors)s.")
            % {"sectors": _labels(Sector, programme.priority_sectors)}
        )
    if programme.sectors:
        lines.append(
            _("Sectores admitidos: %(sectors)s.")
            % {"sectors": _labels(Sector, _allowed_sectors(programme))}
        )
    if programme.provinces:
        lines.append(
            _("Provincias: %(provinces)s.")
            % {"provinces": ", ".join(subdivision_name(p) for p in programme.provinces)}
        )
    if programme.size_bands:
        lines.append(_("Tamaños: %(sizes)s.") % {"sizes": _labels(SizeBand, programme.size_bands)})
    return lines
