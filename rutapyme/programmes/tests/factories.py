"""Programmes, cohorts and enrolments for the tests, built with the services' own models."""

import datetime

from django.utils import timezone

from rutapyme.accounts.models import Organisation
from rutapyme.accounts.tests.factories import OrganisationFactory
from rutapyme.programmes.models import Cohort, Enrolment, LiveSession, Programme

MINISTRY = "Ministerio de Producción, Comercio Exterior, Inversiones y Pesca"


def make_programme(organisation=None, *, partners=(), **fields) -> Programme:
    organisation = organisation or OrganisationFactory(
        name=MINISTRY, kind=Organisation.Kind.GOVERNMENT, country="EC"
    )
    fields.setdefault("name", "Ecuador vende en línea")
    fields.setdefault("country", organisation.country or "EC")
    fields.setdefault("offer_types", ["products", "both"])
    programme = Programme.objects.create(organisation=organisation, **fields)
    programme.partners.set(partners)
    return programme


def make_cohort(programme=None, *, courses=(), **fields) -> Cohort:
    programme = programme or make_programme()
    today = timezone.localdate()
    fields.setdefault("name", f"Promoción {Cohort.objects.count() + 1}")
    fields.setdefault("starts_on", today)
    fields.setdefault("ends_on", today + datetime.timedelta(days=60))
    fields.setdefault("capacity", 100)
    cohort = Cohort.objects.create(programme=programme, **fields)
    cohort.courses.set(courses)
    return cohort


def enrol(cohort, firm, state=Enrolment.State.INVITED, **fields) -> Enrolment:
    now = timezone.now()
    dates = {
        Enrolment.State.JOINED: "joined_at",
        Enrolment.State.ACTIVE: "active_at",
        Enrolment.State.COMPLETED: "completed_at",
        Enrolment.State.WAITLISTED: "waitlisted_at",
        Enrolment.State.DECLINED: "declined_at",
        Enrolment.State.DROPPED: "dropped_at",
    }
    if state in (Enrolment.State.ACTIVE, Enrolment.State.COMPLETED):
        fields.setdefault("joined_at", now)
    if state in dates:
        fields.setdefault(dates[state], now)
    return Enrolment.objects.create(
        cohort=cohort, firm=firm, state=state, email=firm.email, invited_at=now,
        province=firm.province, sector=firm.sector, size_band=firm.size_band, **fields,
    )  # fmt: skip


def make_session(cohort, **fields) -> LiveSession:
    fields.setdefault("title", "Cómo publicar en Mercado Libre")
    fields.setdefault("starts_at", timezone.now() + datetime.timedelta(days=7))
    fields.setdefault("online_url", "https://reunion.example.ec/abc")
    fields.setdefault("teacher", "Ana Torres")
    return LiveSession.objects.create(cohort=cohort, **fields)
