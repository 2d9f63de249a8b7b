"""Background work of the diagnosis: tasks take ids and call a service."""

from django_tasks import task

from . import importing


@task(queue_name="imports")
def diagnosis_import_run(import_id: int) -> dict:
    """Run, or resume after a killed worker, the answer import `import_id` (importing.py)."""
    diagnosis_import = importing.diagnosis_import_process(diagnosis_import_id=import_id)
    return {"status": diagnosis_import.status, "rows_done": diagnosis_import.rows_done}
