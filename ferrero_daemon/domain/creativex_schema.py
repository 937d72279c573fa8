"""The data schema of the ``Creativex-Extract`` agent (``ref/llamacloud.md`` §4.2).

LlamaExtract reads only ``type``, ``description``, ``properties``, ``items``,
``required`` and ``anyOf``; every key is required and nullable so the output always
has the same keys. The LlamaCloud emulator seeds its agent with this schema, and
it is what to set on the production agent.
"""

from __future__ import annotations

from typing import Any


def _nullable(kind: str, description: str) -> dict[str, Any]:
    return {"anyOf": [{"type": kind}, {"type": "null"}], "description": description}


_GUIDELINE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {
            "type": "string",
            "description": "Guideline name, e.g. 'Brand Early', 'Sound On', 'Aspect Ratio', 'Safe Zones'.",
        },
        "passed": _nullable(
            "boolean",
            "true if met/passed (check mark, 'Met', 'Pass'), false if not met, "
            "null if not applicable or unreadable.",
        ),
        "weight_percent": _nullable(
            "number", "Guideline weight as a percentage if printed, '20.0%' -> 20."
        ),
    },
    "required": ["name", "passed", "weight_percent"],
}

_FIELDS: dict[str, dict[str, Any]] = {
    "creative_name": _nullable(
        "string",
        "File name / creative name of the evaluated asset exactly as printed on the scorecard, "
        "including extension if shown (e.g. 'DE_de_Summer_15s_v3.mp4'). Not the report title.",
    ),
    "creative_quality_score": _nullable(
        "number",
        "Overall Creative Quality Score (CQS, may be labelled 'Creative Quality' or 'Score') as a "
        "percentage 0-100. '83%' -> 83. If printed as a fraction like 0.83, return 83.",
    ),
    "score_text": _nullable("string", "The overall score exactly as printed, e.g. '83%'."),
    "quality_tier": _nullable(
        "string", "Tier label printed with the score, e.g. 'Excellent', 'On Track'. Null if none."
    ),
    "brand": _nullable("string", "Brand name as printed."),
    "market": _nullable("string", "Market / country / region as printed, e.g. 'Germany'."),
    "channel": _nullable(
        "string",
        "Channel or platform the creative was scored for, e.g. Facebook, Instagram, Meta, "
        "YouTube, TikTok, DV360, as printed.",
    ),
    "placement": _nullable("string", "Placement if printed, e.g. 'Feed', 'Stories'."),
    "asset_type": _nullable("string", "'video' or 'image' if stated."),
    "preflight_name": _nullable(
        "string", "Name of the pre-flight submission / report, if printed."
    ),
    "guidelines_met": _nullable("integer", "Number of guidelines met/passed."),
    "guidelines_total": _nullable("integer", "Number of guidelines evaluated (applicable)."),
    "guidelines": {
        "type": "array",
        "description": "Every individual guideline result listed on the scorecard, in printed order.",
        "items": _GUIDELINE,
    },
    "evaluation_date": _nullable(
        "string", "Date the creative was scored/evaluated, ISO YYYY-MM-DD."
    ),
    "report_date": _nullable(
        "string", "Date the report/PDF was generated if different, ISO YYYY-MM-DD."
    ),
    "creativex_id": _nullable(
        "string",
        "Any CreativeX identifier printed (post ID, asset ID, or the number in a scorecard URL).",
    ),
    "external_label": _nullable(
        "string", "Any external label / tracking ID printed for the creative."
    ),
}

EXTRACTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": _FIELDS,
    "required": list(_FIELDS),
}
EXTRACTION_CONFIG: dict[str, Any] = {
    "extraction_target": "PER_DOC",
    "extraction_mode": "MULTIMODAL",
}

# What the daemon reads of an extraction (``creativex_rules``, ``workflows/creativex``):
# field path → the JSON types it copes with. ``check --deep`` compares the live agent's
# schema against this, so a renamed or retyped field is found before a scorecard is.
_TEXT = frozenset({"string", "null"})
_COUNT = frozenset({"integer", "number", "null"})
READ_FIELDS: dict[str, frozenset[str]] = {
    "creative_quality_score": frozenset({"number", "integer", "string", "null"}),
    "score_text": _TEXT,
    "creative_name": _TEXT,
    "channel": _TEXT,
    "quality_tier": _TEXT,
    "external_label": _TEXT,
    "guidelines_met": _COUNT,
    "guidelines_total": _COUNT,
    "guidelines": frozenset({"array", "null"}),
    "guidelines[].passed": frozenset({"boolean", "string", "null"}),
    "guidelines[].weight_percent": frozenset({"number", "integer", "string", "null"}),
}


def _types(node: Any) -> frozenset[str]:
    """Every JSON type a schema node allows (``type``, a list of them, ``anyOf``/``oneOf``)."""
    if not isinstance(node, dict):
        return frozenset()
    kind = node.get("type")
    found = {kind} if isinstance(kind, str) else set(kind) if isinstance(kind, list) else set()
    for key in ("anyOf", "oneOf"):
        for option in node.get(key) or []:
            found |= _types(option)
    return frozenset(str(t) for t in found)


def _node(schema: Any, path: str) -> Any:
    node = schema
    for part in path.split("."):
        many = part.endswith("[]")
        props = node.get("properties") if isinstance(node, dict) else None
        node = props.get(part.removesuffix("[]")) if isinstance(props, dict) else None
        if many:  # the array's item schema, wherever anyOf put the array
            arrays = [node, *((node or {}).get("anyOf") or [])] if isinstance(node, dict) else []
            node = next((a["items"] for a in arrays if isinstance(a, dict) and "items" in a), None)
    return node


def schema_problems(schema: Any) -> list[str]:
    """How a live agent's data schema differs from what the daemon reads; [] when it fits."""
    problems = []
    for path, accepted in READ_FIELDS.items():
        node = _node(schema, path)
        if node is None:
            problems.append(f"{path} is missing")
            continue
        extra = sorted(_types(node) - accepted)
        if extra:
            problems.append(
                f"{path} may be {'/'.join(extra)}, the daemon reads {'/'.join(sorted(accepted))}"
            )
    return problems
