"""Helpers shared by the apps' tests."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_for(client, url, **extra):
    """(number of queries, response) of a GET, leaving out reads of the session.

    With sessions in Redis (REDIS_URL, as in CI's second run) reading the session is a cache
    hit, not a query; leaving it out makes the count the same on both stacks.
    """
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, **extra)
    queries = [q for q in context.captured_queries if '"django_session"' not in q["sql"]]
    return len(queries), response


def upload(name: str, content: bytes):
    """A file as a browser uploads it: the type says nothing, the content must."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")
