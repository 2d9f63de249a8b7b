"""Background work of the firms registry: tasks take ids and call a service."""

from django_tasks import task

from . import importing


@task(queue_name="imports")
def firm_import_run(import_id: int) -> dict:
    """Run, or resume after a killed worker, the import `import_id` (see importing.py)."""
    firm_import = importing.firm_import_process(firm_import_id=import_id)
    return {"status": firm_import.status, "rows_done": firm_import.rows_done}
