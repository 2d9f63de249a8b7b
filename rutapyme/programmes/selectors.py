"""Reads of programmes and cohorts that cross relations, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from rutapyme.diagnosis.models import Diagnosis
from rutapyme.firms.models import Firm, FirmAffiliation, FirmMembership
from rutapyme.firms.permissions import firms_visible_to

from . import permissions
from .eligibility import eligible_q, firm_eligibility
from .models import Cohort, Enrolment, Outcome, Programme

NO_DIAGNOSIS = "none"


@dataclass(frozen=True)
class InviteFilters:
    """Which firms of the base to invite. Empty fields: no filter. `level` is a maturity
    level 0–5 of the latest diagnosis, or "none" for firms that never took it;
    `not_invited` keeps firms never invited to any cohort of this programme."""

    province: str = ""
    sector: str = ""
    size_band: str = ""
    partner: int | None = None
    level: str = ""
    not_invited: bool = False

    def as_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in ("", None, False)}

    @classmethod
    def from_json(cls, data: dict) -> InviteFilters:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in names})


def invitable_firms(
    *, user, cohort: Cohort, filters: InviteFilters, organisation_id: int | None = None
) -> QuerySet[Firm]:
    """Firms of the base this user may invite to `cohort` with these filters: ones they see,
    eligible for the programme, not yet in the cohort; partner staff (or a batch created by
    them, `organisation_id`) only their organisation's members."""
    programme = cohort.programme
    qs = Firm.objects.filter(eligible_q(programme))
    if user is not None:
        qs = firms_visible_to(user, qs)
        if permissions.is_partner_view(user):
            organisation_id = user.organisation_id
    if organisation_id is not None:
        qs = qs.filter(
            pk__in=FirmAffiliation.objects.filter(organisation_id=organisation_id).values("firm_id")
        )
    qs = qs.exclude(pk__in=Enrolment.objects.filter(cohort=cohort).values("firm_id"))
    for name in ("province", "sector", "size_band"):
        value = getattr(filters, name)
        if value:
            qs = qs.filter(**{name: value})
    if filters.partner:
        qs = qs.filter(
            pk__in=FirmAffiliation.objects.filter(organisation_id=filters.partner).values("firm_id")
        )
    if filters.level == NO_DIAGNOSIS:
        qs = qs.exclude(pk__in=Diagnosis.objects.filter(is_latest=True).values("firm_id"))
    elif filters.level != "":
        qs = qs.filter(
            pk__in=Diagnosis.objects.filter(is_latest=True, level=int(filters.level)).values(
                "firm_id"
            )
        )
    if filters.not_invited:
        qs = qs.exclude(
            pk__in=Enrolment.objects.filter(cohort__programme=programme).values("firm_id")
        )
    return qs


def programme_list(*, user) -> QuerySet[Programme]:
    return (
        permissions.programmes_visible_to(user)
        .select_related("organisation")
        .annotate(cohort_count=Count("cohorts"))
        .order_by("-is_active", "name")
    )


def cohort_list(*, user, programme: Programme) -> QuerySet[Cohort]:
    """Cohorts with their counts of enrolments the user may see (partners: their members)."""
    visible = permissions.enrolments_visible_to(user, Enrolment.objects.all())
    joined = Q(enrolments__state__in=("joined", "active", "completed"))
    in_scope = Q(enrolments__in=visible)
    return (
        permissions.cohorts_visible_to(user)
        .filter(programme=programme)
        .annotate(
            invited=Count("enrolments", filter=in_scope),
            joined=Count("enrolments", filter=in_scope & joined),
            waitlisted=Count("enrolments", filter=in_scope & Q(enrolments__state="waitlisted")),
        )
        .order_by("-starts_on", "name")
    )


def places_taken(cohort: Cohort) -> int:
    return Enrolment.objects.filter(
        cohort=cohort, state__in=("joined", "active", "completed")
    ).count()


def enrolments_of_member(*, user) -> QuerySet[Enrolment]:
    """The enrolments of the firms this person belongs to (their home page)."""
    return (
        Enrolment.objects.filter(
            firm_id__in=FirmMembership.objects.filter(user=user).values("firm_id")
        )
        .select_related("cohort__programme", "firm")
        .order_by("-invited_at")
    )


def with_waitlist_position(queryset: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    """Annotate `waitlist_position`: 1 for the first of the cohort's waiting list, in the order
    places are given (`waitlisted_at`, then id); None for an enrolment not waiting."""
    ahead = (
        Enrolment.objects.filter(cohort_id=OuterRef("cohort_id"), state=Enrolment.State.WAITLISTED)
        .filter(
            Q(waitlisted_at__lt=OuterRef("waitlisted_at"))
            | Q(waitlisted_at=OuterRef("waitlisted_at"), pk__lte=OuterRef("pk"))
        )
        .order_by()
        .values("cohort_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return queryset.annotate(waitlist_position=Subquery(ahead, output_field=IntegerField()))


@dataclass(frozen=True)
class ProgrammesCard:
    firm: Firm
    enrolments: list[Enrolment]
    outcomes: list[Outcome]
    is_member: bool
    missing_kinds: list[tuple[str, str]]


def firm_programmes(*, firm: Firm, user) -> ProgrammesCard:
    """The firm's enrolments this user may see, its milestones, and whether the user is one of
    its people: three queries, whatever the number of enrolments and milestones."""
    user = user if user is not None else AnonymousUser()
    enrolments = list(
        with_waitlist_position(
            permissions.enrolments_visible_to(user, Enrolment.objects.filter(firm=firm))
        )
        .select_related("cohort__programme")
        .order_by("-invited_at", "-pk")
    )
    outcomes = list(Outcome.objects.filter(firm=firm).order_by("occurred_on", "kind"))
    is_member = (
        user.is_authenticated and FirmMembership.objects.filter(firm=firm, user=user).exists()
    )
    reported = {o.kind for o in outcomes}
    return ProgrammesCard(
        firm=firm,
        enrolments=enrolments,
        outcomes=outcomes,
        is_member=is_member,
        missing_kinds=[(k, label) for k, label in Outcome.Kind.choices if k not in reported],
    )


@dataclass(frozen=True)
class ProgrammeFit:
    """For staff on a firm's page: whether it is eligible for a programme, why not, and the
    open cohorts they may invite it to."""

    programme: Programme
    verdict: object  # eligibility.Eligibility
    open_cohorts: list[Cohort]


def firm_programme_fits(*, firm, user) -> list[ProgrammeFit]:
    """Programmes this user may invite to (two queries, whatever their number): the verdict
    for the firm and the cohorts not ended that the firm is not in yet."""
    if not user.is_authenticated or not (
        user.is_platform_admin or user.is_programme_staff or user.is_partner_staff
    ):
        return []
    if (
        permissions.is_partner_view(user)
        and not FirmAffiliation.objects.filter(
            firm=firm, organisation_id=user.organisation_id
        ).exists()
    ):
        return []
    programmes = [
        p
        for p in permissions.programmes_visible_to(user).filter(
            country=firm.country, is_active=True
        )
        if permissions.can_manage_programme(user, p) or permissions.is_partner_view(user)
    ]
    if not programmes:
        return []
    cohorts: dict[int, list[Cohort]] = {p.pk: [] for p in programmes}
    open_cohorts = (
        Cohort.objects.filter(programme__in=programmes, ends_on__gte=timezone.localdate())
        .exclude(pk__in=Enrolment.objects.filter(firm=firm).values("cohort_id"))
        .order_by("starts_on", "name")
    )
    for cohort in open_cohorts:
        cohorts[cohort.programme_id].append(cohort)
    return [
        ProgrammeFit(programme=p, verdict=firm_eligibility(p, firm), open_cohorts=cohorts[p.pk])
        for p in programmes
    ]
