"""Running the deep probes in order: each under a timeout, a failure of one never hiding
the others (an exception becomes a ✗ line with the reason and a hint)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ferrero_daemon.checks.deep import box, campaign, database, fields, llamacloud, search, shapes
from ferrero_daemon.checks.deep.context import DeepContext
from ferrero_daemon.checks.deep.findings import Finding, fail
from ferrero_daemon.config import Config
from ferrero_daemon.errors import FerreroError, TransientError


@dataclass(frozen=True)
class Probe:
    name: str
    assumed: str
    run: Callable[[DeepContext], Awaitable[list[Finding]]]


PROBES: tuple[Probe, ...] = (
    Probe("DAM metadata fields", "[dam.fields] are in OTMM's model", fields.probe),
    Probe("DAM search", "the workflows' searches find their folders", search.probe),
    Probe("sample campaign", "the campaign is planned as a delivery would", campaign.probe),
    Probe("DAM paths and shapes", "OTMM's paths and answers are as parsed", shapes.probe),
    Probe("Box folders", "the service account may work in each folder", box.probe),
    Probe("LlamaCloud agent schema", "the agent extracts what is read", llamacloud.probe),
    Probe("database", "schema current, rights sufficient", database.probe),
)


async def run_probe(probe: Probe, ctx: DeepContext, timeout: float) -> list[Finding]:
    try:
        return await asyncio.wait_for(probe.run(ctx), timeout)
    except TimeoutError:
        error: FerreroError = TransientError(f"no answer within {timeout:g} s")
    except OSError as exc:
        error = TransientError(str(exc) or type(exc).__name__)
    except FerreroError as exc:
        error = exc
    return [fail(probe.name, probe.assumed, str(error) or type(error).__name__, error.hint)]


async def deep_check(
    config: Config, campaign_id: str | None = None, timeout: float = 120.0
) -> list[Finding]:
    """Every probe against the configured systems; nothing is written anywhere."""
    ctx = DeepContext(config, campaign_id)
    try:
        return [f for probe in PROBES for f in await run_probe(probe, ctx, timeout)]
    finally:
        await ctx.aclose()
