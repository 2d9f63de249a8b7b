"""Helpers for background work through the Tasks API (django-tasks backport of Django 6)."""

from functools import partial

from django.db import transaction


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Enqueue `task` only once the current transaction commits.

    A task then never runs against data that was rolled back, and never runs before the rows
    it reads are visible to the worker's connection.
    """
    transaction.on_commit(partial(task.enqueue, *args, **kwargs))
