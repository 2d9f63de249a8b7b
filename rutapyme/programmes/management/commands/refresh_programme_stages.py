"""Copy the later stages (diagnosed, learning, certified…) into every cohort's enrolments.

    python manage.py refresh_programme_stages            # every cohort
    python manage.py refresh_programme_stages --stale    # only cohorts older than STALE_AFTER

The dashboard asks for this per cohort in the background when its figures are older than
`stages.STALE_AFTER`; a nightly cron job running it keeps reports fresh even when nobody looks.
"""

from django.core.management.base import BaseCommand

from rutapyme.programmes import stages
from rutapyme.programmes.models import Cohort


class Command(BaseCommand):
    help = "Refresh the stages of every cohort's enrolments (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--stale", action="store_true", help="Only cohorts not fresh.")

    def handle(self, *args, stale: bool = False, **options):
        cohorts = Cohort.objects.order_by("pk")
        ids = stages.stale_cohorts(cohorts) if stale else list(cohorts.values_list("pk", flat=True))
        changed = 0
        for cohort in Cohort.objects.filter(pk__in=ids).order_by("pk"):
            changed += stages.refresh_cohort(cohort)
        self.stdout.write(f"{len(ids)} cohorts refreshed, {changed} enrolments changed.")
