"""The API contract: the committed schema in docs/openapi.json is what the code serves.

After an intended API change, regenerate it with `python3 dev.py openapi` and commit it.
"""

import json
from pathlib import Path

from rutapyme.api import api

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def current_schema() -> str:
    return json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_committed_openapi_schema_matches_the_code():
    assert SCHEMA.read_text(encoding="utf-8") == current_schema(), (
        "docs/openapi.json is out of date: run `python3 dev.py openapi` and commit the result"
    )


def test_every_operation_requires_authentication():
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("security"), f"{method.upper()} {path} is not authenticated"
