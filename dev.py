#!/usr/bin/env python3
"""Ruta Pyme's task runner: the README's two commands, and a few more.

    python3 dev.py start     set up, load demo data, serve http://127.0.0.1:8000 with a worker
    python3 dev.py test      set up, then lint, migration check and the whole test suite

Both create ./.venv with the pinned dependencies of requirements.lock on first use (and again
whenever the lock changes). Only the Python standard library is used here, so this file runs
on a fresh machine with nothing but Python 3.11+.
"""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("RUTAPYME_VENV", ROOT / ".venv"))
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".requirements.sha256"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
CHROMIUM = Path("/usr/bin/chromium")


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m", flush=True)


def run(*args: str | Path, env: dict | None = None, check: bool = True) -> int:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if check and result.returncode != 0:
        sys.exit(result.returncode)
    return result.returncode


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Ruta Pyme needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if PY.exists() and STAMP.exists() and STAMP.read_text().strip() == digest:
        return
    if not PY.exists():
        say(f"Creating the virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
    say("Installing the pinned dependencies (requirements.lock)")
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--quiet", "--require-hashes", "-r", LOCK)
    STAMP.write_text(digest)


def django_env(**extra: str) -> dict:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "rutapyme.settings")
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def manage(*args: str, env: dict | None = None, check: bool = True) -> int:
    return run(PY, ROOT / "manage.py", *args, env=env or django_env(), check=check)


def start() -> None:
    """Embedded platform: SQLite, demo data, web server and task worker on this machine."""
    ensure_venv()
    env = django_env(DEBUG=os.environ.get("DEBUG", "1"))
    (ROOT / "var").mkdir(exist_ok=True)
    say("Preparing the database (SQLite in var/)")
    manage("migrate", "--no-input", "-v", "0", env=env)
    say("Loading the demo programme (skipped if already loaded)")
    manage("seed_demo", env=env)
    manage("seed_demo_diagnoses", env=env)
    manage("seed_demo_learning", env=env)
    manage("seed_demo_programmes", env=env)
    say("Starting the task worker and the web server on http://127.0.0.1:8000 (Ctrl+C stops)")
    worker = subprocess.Popen(
        [str(PY), str(ROOT / "manage.py"), "db_worker", "--queue-name", "*", "--no-reload"],
        cwd=ROOT,
        env=env,
    )
    try:
        manage("runserver", "127.0.0.1:8000", "--noreload", env=env, check=False)
    except KeyboardInterrupt:
        pass
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()


def test(pytest_args: list[str]) -> None:
    """Lint, contracts and the whole suite. Browser tests run when Debian's Chromium is there."""
    ensure_venv()
    env = django_env(RUTAPYME_TESTING="1")
    db = "PostgreSQL" if env.get("DATABASE_URL") else "SQLite"
    cache = "Redis" if env.get("REDIS_URL") else "local memory"
    say(f"Running on {db}, cache {cache}")
    say("ruff check and ruff format --check")
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    say("Migrations are complete (makemigrations --check)")
    manage("makemigrations", "--check", "--dry-run", env=env)
    if CHROMIUM.exists():
        say(f"Browser tests will drive {CHROMIUM}")
    else:
        say(
            f"Browser tests SKIPPED: {CHROMIUM} is not installed "
            "(apt-get install chromium; .ci/run installs it)"
        )
    workers = os.environ.get("PYTEST_WORKERS", "2")
    args = ["-n", workers] if workers not in ("0", "1") else []
    code = run(PY, "-m", "pytest", *args, *pytest_args, env=env, check=False)
    sys.exit(code)


def openapi() -> None:
    """Write the API schema the code serves to docs/openapi.json (compared in a test)."""
    ensure_venv()
    code = (
        "import sys; sys.path.insert(0, 'tests'); from test_openapi import SCHEMA, current_schema; "
        "SCHEMA.write_text(current_schema(), encoding='utf-8'); print('wrote', SCHEMA)"
    )
    manage("shell", "-c", code, env=django_env(RUTAPYME_TESTING="1"))


def clean() -> None:
    """Forget the embedded database and uploaded files (the demo is loaded again on start)."""
    shutil.rmtree(ROOT / "var", ignore_errors=True)
    say("Removed var/ (SQLite database, media, static)")


def main() -> None:
    command, rest = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("help", [])
    if command == "start":
        start()
    elif command == "test":
        test(rest)
    elif command == "openapi":
        openapi()
    elif command == "clean":
        clean()
    elif command == "manage":
        ensure_venv()
        sys.exit(manage(*rest, check=False))
    else:
        print(__doc__)
        print("    python3 dev.py manage ARGS  run manage.py in the virtual environment")
        print("    python3 dev.py openapi     regenerate docs/openapi.json after an API change")
        print("    python3 dev.py clean       remove the embedded database and files")


if __name__ == "__main__":
    main()
