"""Every write of programmes, cohorts, invitations, enrolments, attendance and outcomes.

Invitations in bulk
    `invitation_batch_create` counts the selection and enqueues `tasks.invitation_batch_run`;
    `invitation_batch_process` walks the selection in firm-id order, CHUNK firms at a time.
    Each chunk's enrolments and the batch checkpoint (`last_firm_id`, counters) commit in one
    transaction, claimed by a conditional UPDATE on `last_firm_id`, so a killed worker
    resumes after the last chunk and two runners never write the same chunk. The chunk's
    e-mails are enqueued on commit as one task (`tasks.invitation_emails_send`), which sends
    only enrolments whose `email_sent_at` is empty and stamps them per message group: a
    rerun after a crash re-sends at most one group (at-least-once, never silently lost).

Joining (two steps, no account needed before)
    The invitation link carries the enrolment's token. Step 1 confirms the firm's data
    (`join_confirm_firm`), step 2 creates the person's account as the firm's owner with the
    consent record (`join_create_account`), or attaches a signed-in member. `enrolment_join`
    then takes a place, or puts the firm on the waiting list when the cohort is full; a place
    freed by a decline or a drop goes to the first of the waiting list.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from rutapyme.accounts.models import Organisation
from rutapyme.core.countries import ALADI_COUNTRIES, world_countries
from rutapyme.core.tasks import enqueue_on_commit
from rutapyme.firms import services as firm_services
from rutapyme.firms.models import ConsentRecord, Firm, FirmMembership
from rutapyme.learning.models import Course

from . import stages
from .eligibility import firm_eligibility
from .models import (
    JOINED_STATES,
    LEAVING_STATES,
    Attendance,
    Cohort,
    Enrolment,
    InvitationBatch,
    LiveSession,
    Outcome,
    Programme,
)
from .selectors import InviteFilters, invitable_firms

logger = logging.getLogger(__name__)
User = get_user_model()

CHUNK = 1000
STALE_BATCH_AFTER = datetime.timedelta(minutes=5)
EMAIL_CLAIM_TIMEOUT = datetime.timedelta(minutes=10)


# --- Programmes and cohorts -------------------------------------------------------------------


def programme_create(*, name: str, country: str, organisation: Organisation, **rules) -> Programme:
    programme = Programme(name=name.strip(), country=country, organisation=organisation)
    partners = rules.pop("partners", [])
    for key, value in rules.items():
        setattr(programme, key, value)
    programme.full_clean()
    programme.save()
    programme.partners.set(partners)
    return programme


def programme_update(*, programme: Programme, **fields) -> Programme:
    partners = fields.pop("partners", None)
    for key, value in fields.items():
        setattr(programme, key, value)
    programme.full_clean()
    programme.save()
    if partners is not None:
        programme.partners.set(partners)
    return programme


def _check_cohort(cohort: Cohort) -> None:
    errors = {}
    if cohort.starts_on and cohort.ends_on and cohort.ends_on < cohort.starts_on:
        errors["ends_on"] = _("El fin no puede ser antes del inicio.")
    if cohort.capacity is not None and cohort.capacity < 1:
        errors["capacity"] = _("Indique al menos un cupo.")
    name_taken = (
        Cohort.objects.filter(programme_id=cohort.programme_id, name__iexact=cohort.name.strip())
        .exclude(pk=cohort.pk)
        .exists()
    )
    if name_taken:
        errors["name"] = _("Ya hay una promoción con este nombre en el programa.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def cohort_create(
    *,
    programme: Programme,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    capacity: int,
    courses: list[Course] | None = None,
    by=None,
) -> Cohort:
    cohort = Cohort(
        programme=programme,
        name=name.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        capacity=capacity,
        created_by=by,
    )
    _check_cohort(cohort)
    cohort.save()
    cohort.courses.set(courses or [])
    return cohort


@transaction.atomic
def cohort_update(*, cohort: Cohort, courses: list[Course] | None = None, **fields) -> Cohort:
    for key, value in fields.items():
        setattr(cohort, key, value.strip() if key == "name" else value)
    _check_cohort(cohort)
    cohort.save()
    if courses is not None:
        cohort.courses.set(courses)
    # A place added may admit the waiting list; a course added or removed changes completion.
    _admit_waiting(cohort)
    stages.refresh_cohort(cohort)
    return cohort


# --- Invitations ------------------------------------------------------------------------------


def _enrolment_for(cohort: Cohort, firm: Firm, *, by, batch, now) -> Enrolment:
    return Enrolment(
        cohort=cohort,
        firm=firm,
        state=Enrolment.State.INVITED,
        email=firm.email,
        invited_by=by,
        batch=batch,
        invited_at=now,
        province=firm.province,
        sector=firm.sector,
        size_band=firm.size_band,
    )


def invitation_batch_create(*, cohort: Cohort, by, filters: InviteFilters) -> InvitationBatch:
    """Record the action and enqueue it; the page then follows its progress."""
    from .tasks import invitation_batch_run

    organisation_id = by.organisation_id if by.is_partner_staff else None
    total = invitable_firms(user=by, cohort=cohort, filters=filters).count()
    with transaction.atomic():
        batch = InvitationBatch.objects.create(
            cohort=cohort,
            created_by=by,
            organisation_id=organisation_id,
            filters=filters.as_json(),
            total=total,
        )
        enqueue_on_commit(invitation_batch_run, batch.pk)
    return batch


def _batch_selection(batch: InvitationBatch):
    """The batch's firms, as the person who created it may invite them, in id order.

    Evaluated again at each chunk: firms invited by this batch's earlier chunks are already in
    the cohort and drop out, so the id checkpoint and the exclusion agree."""
    filters = InviteFilters.from_json(batch.filters)
    user = batch.created_by
    return invitable_firms(
        user=user, cohort=batch.cohort, filters=filters, organisation_id=batch.organisation_id
    ).order_by("pk")


def invitation_batch_process(*, batch_id: int) -> InvitationBatch:
    """Run, or resume, a batch: chunk by chunk, each chunk with its checkpoint."""
    from .tasks import invitation_emails_send

    batch = InvitationBatch.objects.select_related("cohort__programme", "created_by").get(
        pk=batch_id
    )
    if batch.status in (InvitationBatch.Status.DONE, InvitationBatch.Status.FAILED):
        return batch
    if batch.created_by is None or not batch.created_by.is_active:
        InvitationBatch.objects.filter(pk=batch.pk).update(
            status=InvitationBatch.Status.FAILED,
            error_message=_("La persona que creó el envío ya no tiene acceso."),
            finished_at=timezone.now(),
        )
        batch.refresh_from_db()
        return batch
    now = timezone.now()
    InvitationBatch.objects.filter(pk=batch.pk, started_at__isnull=True).update(started_at=now)
    InvitationBatch.objects.filter(pk=batch.pk).update(
        status=InvitationBatch.Status.RUNNING, progress_at=now
    )
    try:
        while True:
            batch.refresh_from_db(fields=["last_firm_id"])
            checkpoint = batch.last_firm_id
            firms = list(
                _batch_selection(batch)
                .filter(pk__gt=checkpoint)
                .only("pk", "email", "province", "sector", "size_band")[:CHUNK]
            )
            if not firms:
                break
            with transaction.atomic():
                claimed = InvitationBatch.objects.filter(
                    pk=batch.pk, last_firm_id=checkpoint
                ).update(
                    last_firm_id=firms[-1].pk,
                    firms_done=F("firms_done") + len(firms),
                    invited_count=F("invited_count") + len(firms),
                    without_email_count=F("without_email_count")
                    + sum(1 for f in firms if not f.email),
                    progress_at=timezone.now(),
                )
                if not claimed:
                    return batch  # another runner has this batch; it finishes it
                now = timezone.now()
                created = Enrolment.objects.bulk_create(
                    [
                        _enrolment_for(
                            batch.cohort, firm, by=batch.created_by, batch=batch, now=now
                        )
                        for firm in firms
                    ],
                    batch_size=500,
                )
                with_email = [e.pk for e in created if e.email]
                if with_email:
                    # Queued inside the chunk's transaction (the queue is this database,
                    # django-tasks-db): a worker killed after the commit never leaves a chunk
                    # of enrolments without the task that sends their e-mails.
                    invitation_emails_send.enqueue(with_email)
    except Exception as exc:  # noqa: BLE001 - the batch records why it stopped
        logger.exception("Invitation batch %s failed", batch.pk)
        InvitationBatch.objects.filter(pk=batch.pk).update(
            status=InvitationBatch.Status.FAILED,
            error_message=str(exc)[:500],
            finished_at=timezone.now(),
        )
        batch.refresh_from_db()
        return batch
    batch.refresh_from_db()
    InvitationBatch.objects.filter(pk=batch.pk).update(
        status=InvitationBatch.Status.DONE,
        finished_at=timezone.now(),
        # firms counted at creation that were in the cohort (or gone) by the time it ran
        skipped_count=max(0, batch.total - batch.invited_count),
    )
    batch.refresh_from_db()
    return batch


def invitation_batch_resumable(batch: InvitationBatch) -> bool:
    """A batch whose worker died (running with no checkpoint for STALE_BATCH_AFTER, or never
    started), or one done for that long with e-mails that never went out (their worker died:
    a killed task is not retried by the queue)."""
    now = timezone.now()
    if batch.status == InvitationBatch.Status.PENDING:
        return now - batch.created_at > STALE_BATCH_AFTER
    if batch.status == InvitationBatch.Status.RUNNING:
        return batch.progress_at is None or now - batch.progress_at > STALE_BATCH_AFTER
    if batch.status == InvitationBatch.Status.DONE and batch.finished_at is not None:
        return (
            now - batch.finished_at > STALE_BATCH_AFTER
            and invitation_emails_pending(batch).exists()
        )
    return False


def invitation_batch_resume(*, batch: InvitationBatch) -> None:
    """Run the batch again from its checkpoint; once it is done, send what is pending."""
    from .tasks import invitation_batch_run, invitation_emails_send

    if batch.status != InvitationBatch.Status.DONE:
        enqueue_on_commit(invitation_batch_run, batch.pk)
        return
    pending = list(invitation_emails_pending(batch).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pending), CHUNK):
        enqueue_on_commit(invitation_emails_send, pending[start : start + CHUNK])


def invite_firm(*, cohort: Cohort, firm: Firm, by) -> Enrolment:
    """One firm, from its page: eligible and not yet in the cohort, or a ValidationError."""
    from .tasks import invitation_emails_send

    verdict = firm_eligibility(cohort.programme, firm)
    if not verdict.eligible:
        raise ValidationError(verdict.reasons)
    try:
        with transaction.atomic():
            enrolment = _enrolment_for(cohort, firm, by=by, batch=None, now=timezone.now())
            enrolment.save()
    except IntegrityError as exc:
        raise ValidationError(_("La empresa ya está en esta promoción.")) from exc
    if enrolment.email:
        enqueue_on_commit(invitation_emails_send, [enrolment.pk])
    return enrolment


def invitation_link(enrolment: Enrolment) -> str:
    from django.urls import reverse

    return settings.SITE_URL + reverse("programmes:join", kwargs={"token": enrolment.token})


def _encoded_subject(subject: str) -> str:
    """The subject as RFC 2047 encoded words on one line: the same for every firm of a cohort,
    so it is encoded once instead of once per message (half the cost of building one)."""
    from email.header import Header

    try:
        subject.encode("ascii")
    except UnicodeEncodeError:
        return Header(subject, "utf-8").encode(linesep=" ")
    return subject


def invitation_emails_send_now(*, enrolment_ids: list[int], group: int = 100) -> int:
    """Send the invitations of these enrolments not sent yet, `group` at a time.

    Each group is first claimed (a conditional UPDATE that sets `email_claim`), so two
    workers running the same task never send the same invitation; a claim older than
    EMAIL_CLAIM_TIMEOUT belongs to a worker that died and is taken over. A worker killed
    between sending a group and stamping it leaves that group to be sent again (at least
    once, never lost)."""
    from django.core.mail import EmailMessage, get_connection
    from django.template.loader import render_to_string

    ids = sorted(set(enrolment_ids))
    sent = 0
    connection = get_connection()
    subjects: dict[int, str] = {}  # cohort id → the subject, encoded once (RFC 2047)
    for start in range(0, len(ids), group):
        part_ids = ids[start : start + group]
        claim, now = uuid.uuid4(), timezone.now()
        Enrolment.objects.filter(pk__in=part_ids, email_sent_at__isnull=True).exclude(
            email=""
        ).filter(
            Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - EMAIL_CLAIM_TIMEOUT)
        ).update(email_claim=claim, email_claimed_at=now)
        part = list(
            Enrolment.objects.filter(pk__in=part_ids, email_claim=claim)
            .select_related("cohort__programme__organisation", "firm")
            .order_by("pk")
        )
        if not part:
            continue
        messages = []
        for enrolment in part:
            context = {
                "enrolment": enrolment,
                "cohort": enrolment.cohort,
                "programme": enrolment.cohort.programme,
                "firm": enrolment.firm,
                "link": invitation_link(enrolment),
            }
            if enrolment.cohort_id not in subjects:
                subjects[enrolment.cohort_id] = _encoded_subject(
                    _("Invitación a %(programme)s: %(cohort)s")
                    % {
                        "programme": enrolment.cohort.programme.name,
                        "cohort": enrolment.cohort.name,
                    }
                )
            message = EmailMessage(
                subject=subjects[enrolment.cohort_id],
                body=render_to_string("programmes/email/invitation.txt", context),
                to=[enrolment.email],
                connection=connection,
            )
            messages.append(message)
        connection.send_messages(messages)
        Enrolment.objects.filter(
            pk__in=part_ids, email_claim=claim, email_sent_at__isnull=True
        ).update(email_sent_at=timezone.now())
        sent += len(part)
    return sent


def invitation_emails_pending(batch: InvitationBatch):
    """The batch's invitations with an address whose e-mail has not gone out."""
    return Enrolment.objects.filter(batch=batch, email_sent_at__isnull=True).exclude(email="")


# --- Joining, declining, leaving --------------------------------------------------------------


def enrolment_by_token(token: str) -> Enrolment | None:
    if not token or len(token) > 64:
        return None
    return (
        Enrolment.objects.select_related("cohort__programme__organisation", "firm")
        .filter(token=token)
        .first()
    )


def _check_open(enrolment: Enrolment) -> None:
    """A link works only while the invitation is open: once the firm joined, declined or
    left, it no longer changes the firm or makes accounts."""
    state = Enrolment.objects.filter(pk=enrolment.pk).values_list("state", flat=True).first()
    if state != Enrolment.State.INVITED:
        raise ValidationError(
            _("Esta invitación ya no está abierta. Si ya se unió, ingrese con su contraseña.")
        )


def join_confirm_firm(*, enrolment: Enrolment, **fields) -> list[str]:
    """Step 1: the firm confirms (and corrects) its data."""
    _check_open(enrolment)
    changed = firm_services.firm_update(firm=enrolment.firm, **fields)
    firm = enrolment.firm
    # The cohort's copies follow the corrected data while the invitation is open.
    Enrolment.objects.filter(pk=enrolment.pk).update(
        province=firm.province, sector=firm.sector, size_band=firm.size_band
    )
    return changed


@dataclass
class JoinResult:
    enrolment: Enrolment
    user: object
    created_account: bool


@transaction.atomic
def join_create_account(
    *,
    enrolment: Enrolment,
    email: str,
    full_name: str,
    password: str,
    ip_address: str | None = None,
) -> JoinResult:
    """Step 2 for someone without an account: they become the firm's owner (or staff when
    the firm already has an owner), with the consent record, and the firm joins."""
    _check_open(enrolment)
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            {"email": _("Ya existe una cuenta con este correo. Ingrese con su contraseña.")}
        )
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email,
                password=password,
                full_name=full_name.strip(),
                phone=enrolment.firm.phone,
            )
    except IntegrityError as exc:  # the same address sent twice at the same moment
        raise ValidationError(
            {"email": _("Ya existe una cuenta con este correo. Ingrese con su contraseña.")}
        ) from exc
    has_owner = FirmMembership.objects.filter(
        firm=enrolment.firm, role=FirmMembership.Role.OWNER
    ).exists()
    FirmMembership.objects.create(
        firm=enrolment.firm,
        user=user,
        role=FirmMembership.Role.STAFF if has_owner else FirmMembership.Role.OWNER,
    )
    firm_services.consent_record(
        firm=enrolment.firm, user=user, channel=ConsentRecord.Channel.WEB, ip_address=ip_address
    )
    enrolment = enrolment_join(enrolment=enrolment, user=user)
    return JoinResult(enrolment=enrolment, user=user, created_account=True)


@transaction.atomic
def join_as_member(*, enrolment: Enrolment, user) -> JoinResult:
    """Step 2 for a signed-in person: a member of the firm joins it; anyone else may not."""
    if not FirmMembership.objects.filter(firm=enrolment.firm, user=user).exists():
        raise ValidationError(
            _("Esta invitación es para %(firm)s y su cuenta no pertenece a esa empresa.")
            % {"firm": enrolment.firm.display_name}
        )
    return JoinResult(
        enrolment=enrolment_join(enrolment=enrolment, user=user), user=user, created_account=False
    )


def enrolment_join(*, enrolment: Enrolment, user) -> Enrolment:
    """Take a place, or the waiting list when the cohort is full. Idempotent for a firm that
    already joined; refused for one that declined or dropped (staff re-invite it)."""
    with transaction.atomic():
        cohort = Cohort.objects.select_for_update().get(pk=enrolment.cohort_id)
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.state in (*JOINED_STATES, Enrolment.State.WAITLISTED):
            return enrolment
        if enrolment.state != Enrolment.State.INVITED:
            raise ValidationError(
                _("Esta invitación ya no está vigente. Pida una nueva al equipo del programa.")
            )
        now = timezone.now()
        taken = Enrolment.objects.filter(cohort=cohort, state__in=JOINED_STATES).count()
        if taken >= cohort.capacity:
            enrolment.state = Enrolment.State.WAITLISTED
            enrolment.waitlisted_at = now
        else:
            enrolment.state = Enrolment.State.JOINED
            enrolment.joined_at = now
        enrolment.joined_by = user
        enrolment.save(update_fields=["state", "waitlisted_at", "joined_at", "joined_by"])
    stages.refresh(Enrolment.objects.filter(pk=enrolment.pk))
    enrolment.refresh_from_db()
    return enrolment


def _admit_waiting(cohort: Cohort) -> list[Enrolment]:
    """Give free places to the waiting list, first come first served."""
    admitted = []
    with transaction.atomic():
        cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
        taken = Enrolment.objects.filter(cohort=cohort, state__in=JOINED_STATES).count()
        free = cohort.capacity - taken
        if free <= 0:
            return []
        waiting = list(
            Enrolment.objects.filter(cohort=cohort, state=Enrolment.State.WAITLISTED).order_by(
                "waitlisted_at", "pk"
            )[:free]
        )
        now = timezone.now()
        for enrolment in waiting:
            enrolment.state = Enrolment.State.JOINED
            enrolment.joined_at = now
            enrolment.save(update_fields=["state", "joined_at"])
            admitted.append(enrolment)
    if admitted:
        stages.refresh(Enrolment.objects.filter(pk__in=[e.pk for e in admitted]))
    return admitted


def enrolment_decline(*, enrolment: Enrolment, reason: str = "") -> Enrolment:
    """The firm says no from its link (before joining)."""
    updated = Enrolment.objects.filter(pk=enrolment.pk, state=Enrolment.State.INVITED).update(
        state=Enrolment.State.DECLINED, declined_at=timezone.now(), state_note=reason[:300]
    )
    if not updated:
        raise ValidationError(_("Esta invitación ya fue respondida."))
    enrolment.refresh_from_db()
    return enrolment


def enrolment_drop(*, enrolment: Enrolment, reason: str = "") -> Enrolment:
    """The firm leaves, or staff mark it as having left; its place goes to the waiting list."""
    updated = Enrolment.objects.filter(pk=enrolment.pk, state__in=LEAVING_STATES).update(
        state=Enrolment.State.DROPPED, dropped_at=timezone.now(), state_note=reason[:300]
    )
    if not updated:
        raise ValidationError(_("La empresa ya no está en la promoción."))
    _admit_waiting(enrolment.cohort)
    enrolment.refresh_from_db()
    return enrolment


# --- Live sessions and attendance -------------------------------------------------------------


def session_create(*, cohort: Cohort, **fields) -> LiveSession:
    session = LiveSession(cohort=cohort, **fields)
    _check_session(session)
    session.save()
    return session


def session_update(*, session: LiveSession, **fields) -> LiveSession:
    for key, value in fields.items():
        setattr(session, key, value)
    _check_session(session)
    session.save()
    return session


def _check_session(session: LiveSession) -> None:
    if not session.online_url and not session.place:
        raise ValidationError(
            {"online_url": _("Indique el enlace de la sesión en línea o el lugar.")}
        )


@transaction.atomic
def attendance_record(*, session: LiveSession, present_ids: set[int], by) -> int:
    """Mark who was there among the cohort's joined firms; everyone else of them absent.
    Returns how many firms were marked present."""
    joined = list(
        Enrolment.objects.filter(cohort_id=session.cohort_id, state__in=JOINED_STATES).values_list(
            "pk", flat=True
        )
    )
    existing = {a.enrolment_id: a for a in Attendance.objects.filter(session=session)}
    now = timezone.now()
    to_create, to_update = [], []
    for enrolment_id in joined:
        present = enrolment_id in present_ids
        row = existing.get(enrolment_id)
        if row is None:
            to_create.append(
                Attendance(
                    session=session, enrolment_id=enrolment_id, present=present, recorded_by=by
                )
            )
        elif row.present != present:
            row.present, row.recorded_by, row.recorded_at = present, by, now
            to_update.append(row)
    Attendance.objects.bulk_create(to_create, batch_size=500)
    Attendance.objects.bulk_update(
        to_update, ["present", "recorded_by", "recorded_at"], batch_size=500
    )
    # The count each enrolment carries for the dashboard, recounted for the cohort's firms.
    attended = (
        Attendance.objects.filter(enrolment_id=OuterRef("pk"), present=True)
        .order_by()
        .values("enrolment_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Enrolment.objects.filter(cohort_id=session.cohort_id).update(
        sessions_attended=Coalesce(Subquery(attended), 0)
    )
    return len(present_ids & set(joined))


# --- Outcomes ---------------------------------------------------------------------------------


def outcome_report(
    *,
    firm: Firm,
    kind: str,
    occurred_on: datetime.date,
    channel: str,
    by,
    channel_detail: str = "",
    destination_country: str = "",
    amount: Decimal | None = None,
    currency: str = "",
) -> Outcome:
    """Record (or correct) one of the firm's milestones, then refresh its enrolments."""
    errors = {}
    if occurred_on > timezone.localdate():
        errors["occurred_on"] = _("La fecha no puede ser futura.")
    if kind == Outcome.Kind.FIRST_EXPORT:
        if not destination_country:
            errors["destination_country"] = _("Indique el país de destino.")
        elif destination_country == firm.country:
            errors["destination_country"] = _("El destino de una exportación es otro país.")
    if destination_country and destination_country not in world_countries():
        errors["destination_country"] = _("Elija un país de la lista.")
    if amount is not None and amount < 0:
        errors["amount"] = _("El monto no puede ser negativo.")
    if errors:
        raise ValidationError(errors)
    if amount is not None and not currency:
        country = ALADI_COUNTRIES.get(firm.country)
        currency = country.currency if country else "USD"
    outcome, _created = Outcome.objects.update_or_create(
        firm=firm,
        kind=kind,
        defaults={
            "occurred_on": occurred_on,
            "channel": channel,
            "channel_detail": channel_detail.strip(),
            "destination_country": destination_country if kind == Outcome.Kind.FIRST_EXPORT else "",
            "amount": amount,
            "currency": currency if amount is not None else "",
            "reported_by": by,
        },
    )
    stages.refresh_firm(firm.pk)
    return outcome
