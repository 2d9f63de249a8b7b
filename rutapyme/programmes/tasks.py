"""Background work of programmes: tasks take ids and call a service."""

from django_tasks import task

from . import services, stages
from .models import Cohort


@task(queue_name="imports")
def invitation_batch_run(batch_id: int) -> dict:
    """Run, or resume after a killed worker, the invitation batch `batch_id`."""
    batch = services.invitation_batch_process(batch_id=batch_id)
    return {"status": batch.status, "invited": batch.invited_count}


@task(queue_name="email")
def invitation_emails_send(enrolment_ids: list[int]) -> int:
    """Send the invitation e-mails of these enrolments that were not sent yet."""
    return services.invitation_emails_send_now(enrolment_ids=enrolment_ids)


@task(queue_name="default")
def cohort_stages_refresh(cohort_id: int) -> int:
    cohort = Cohort.objects.filter(pk=cohort_id).first()
    return stages.refresh_cohort(cohort) if cohort else 0
