"""Setup shared by the benchmark scripts that time pages in this process.

    from common import open_database, peak_rss_mb, prepare_environment

`prepare_environment` must run before Django is imported; `open_database` sets Django up,
prints which database is measured and migrates it (never dropping anything).
"""

import os
import resource
import tempfile
from pathlib import Path


def prepare_environment(sqlite_name: str) -> None:
    """Settings for a benchmark run: PostgreSQL from DATABASE_URL, else SQLite under /tmp."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "rutapyme.settings"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijklmnop")
    # Static files from the finders (no collectstatic needed for the page timing).
    os.environ.setdefault("RUTAPYME_TESTING", "1")
    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("SQLITE_PATH", str(Path(tempfile.gettempdir()) / sqlite_name))


def open_database() -> None:
    """Set Django up, print the engine, its version, the database and where sessions live,
    and migrate."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    engine = connection.vendor
    name = connection.settings_dict["NAME"]
    if engine == "postgresql":
        version = connection.cursor().connection.info.server_version
    else:
        import sqlite3

        version = sqlite3.sqlite_version
    print(f"database: {engine} {version} ({name}); sessions: {settings.SESSION_ENGINE}")
    call_command("migrate", verbosity=0)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
