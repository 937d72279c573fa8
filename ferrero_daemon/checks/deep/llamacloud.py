"""Probe: the LlamaCloud agent's data schema has every field the daemon reads.

The agent is read once (``GET …/extraction-agents/by-name/{name}``); its ``data_schema``
is compared with ``creativex_schema.READ_FIELDS`` (each field present, with types the
validation copes with), and its ``extraction_target`` must give one object per
scorecard (``PER_DOC``), as ``creativex_rules.validate`` expects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ferrero_daemon.checks.deep.context import DeepContext
from ferrero_daemon.checks.deep.findings import Finding, fail, ok
from ferrero_daemon.domain.creativex_schema import READ_FIELDS, schema_problems

NAME = "LlamaCloud agent schema"


async def probe(ctx: DeepContext) -> list[Finding]:
    agent = await ctx.creativex().agent()
    return [judge(ctx.settings.creativex.agent_name, agent.data_schema, agent.config)]


def judge(agent_name: str, schema: Mapping[str, Any], config: Mapping[str, Any]) -> Finding:
    assumed = (
        f"{agent_name!r} extracts {len(READ_FIELDS)} fields the daemon reads, one object "
        "per scorecard"
    )
    problems = schema_problems(schema)
    target = str(config.get("extraction_target") or "PER_DOC")
    if target.upper() != "PER_DOC":
        problems.append(f"extraction_target is {target}, not PER_DOC")
    if problems:
        return fail(
            NAME, assumed, "; ".join(problems),
            "set the agent's schema to domain/creativex_schema.py's EXTRACTION_SCHEMA "
            "(and extraction_target PER_DOC) in LlamaCloud",
        )  # fmt: skip
    count = len(schema.get("properties") or {})
    return ok(NAME, assumed, f"all present with compatible types ({count} fields, {target})")
