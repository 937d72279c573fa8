"""The published webhook schema (``ferrero_daemon/schemas/webhook.schema.json``), as a
validator the tests share: what Make.com receives must match what we document."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from ferrero_daemon.resources import package_path

SCHEMA_FILE = package_path("schemas", "webhook.schema.json")


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded


def problems(event: Any) -> list[str]:
    """Every way ``event`` breaks the schema, each with its JSON path; [] when it fits."""
    validator = Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(event)]
