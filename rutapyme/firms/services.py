"""Every write to the firms registry goes through these functions."""

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from rutapyme.accounts.models import User

from .models import ConsentRecord, Firm, FirmAffiliation, FirmMembership, Source

EDITABLE_FIELDS = (
    "legal_name",
    "trade_name",
    "province",
    "canton",
    "sector",
    "offer_type",
    "size_band",
    "employees",
    "legal_representative",
    "email",
    "phone",
    "website",
    "sells_online",
)


class FirmAlreadyRegistered(Exception):
    """A firm with this tax ID already exists in this country."""


@dataclass(frozen=True)
class Registration:
    user: User
    firm: Firm


def firm_create(*, country: str, tax_id: str, tax_id_status: str, source: str, **fields) -> Firm:
    try:
        with transaction.atomic():
            return Firm.objects.create(
                country=country,
                tax_id=tax_id,
                tax_id_status=tax_id_status,
                source=source,
                **{k: v for k, v in fields.items() if k in EDITABLE_FIELDS},
            )
    except IntegrityError as exc:
        if Firm.objects.filter(country=country, tax_id=tax_id).exists():
            raise FirmAlreadyRegistered(tax_id) from exc
        raise


def consent_record(
    *, firm: Firm, user: User | None, channel: str, ip_address: str | None = None
) -> ConsentRecord:
    return ConsentRecord.objects.create(
        firm=firm,
        user=user,
        text_version=settings.CONSENT_TEXT_VERSION,
        channel=channel,
        accepted_at=timezone.now(),
        ip_address=ip_address,
    )


@transaction.atomic
def firm_register(
    *,
    email: str,
    password: str,
    full_name: str,
    country: str,
    tax_id: str,
    tax_id_status: str,
    ip_address: str | None = None,
    **firm_fields,
) -> Registration:
    """Self-registration: a person creates their account and their firm in one step.

    They become the firm's owner, and their consent to data processing is recorded with the
    version of the text they accepted.
    """
    firm_fields.setdefault("email", email)
    firm = firm_create(
        country=country,
        tax_id=tax_id,
        tax_id_status=tax_id_status,
        source=Source.SELF_REGISTERED,
        **firm_fields,
    )
    user = User.objects.create_user(
        email=email,
        password=password,
        full_name=full_name,
        phone=firm_fields.get("phone", ""),
    )
    FirmMembership.objects.create(firm=firm, user=user, role=FirmMembership.Role.OWNER)
    consent_record(firm=firm, user=user, channel=ConsentRecord.Channel.WEB, ip_address=ip_address)
    return Registration(user=user, firm=firm)


def firm_update(*, firm: Firm, **fields) -> list[str]:
    """Apply the changed editable fields; returns the names of the fields that changed."""
    changed = []
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"{name} is not editable")
        if getattr(firm, name) != value:
            setattr(firm, name, value)
            changed.append(name)
    if changed:
        firm.save(update_fields=[*changed, "updated_at"])
    return changed


def firm_add_member(*, firm: Firm, user: User, role: str = FirmMembership.Role.STAFF):
    membership, _ = FirmMembership.objects.get_or_create(
        firm=firm, user=user, defaults={"role": role}
    )
    return membership


def firm_affiliate(*, firm: Firm, organisation_id: int, member_reference: str = ""):
    affiliation, _ = FirmAffiliation.objects.update_or_create(
        firm=firm,
        organisation_id=organisation_id,
        defaults={"member_reference": member_reference},
    )
    return affiliation
