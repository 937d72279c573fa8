"""Connection checks of the operators' step 9, as plain data: one result per check.

``ferrero-daemon check`` runs these in order and prints one line each. A check is an
async function that returns a short detail on success and raises on failure; the
runner turns any exception into a failed result with the reason and a hint, so one
broken system never hides the state of the others.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass

from ferrero_daemon.errors import (
    AuthError,
    ConfigError,
    FerreroError,
    NotFoundError,
    SchemaError,
    TransientError,
)

Probe = Callable[[], Awaitable[str]]


@dataclass(frozen=True)
class Check:
    name: str
    probe: Probe
    hint: str


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    hint: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def hint_for(exc: BaseException, default: str) -> str:
    if isinstance(exc, AuthError):
        return "the credentials were refused: check the secret and the account"
    if isinstance(exc, SchemaError):
        return "run `ferrero-daemon migrate`"
    if isinstance(exc, NotFoundError):
        return "check the id in config.toml exists and the service account can see it"
    if isinstance(exc, ConfigError):
        return "fix config.toml or the secret, then `ferrero-daemon config` to validate"
    if isinstance(exc, TransientError | TimeoutError | OSError):
        return "the service is unreachable: check the URL, DNS, firewall and that it is up"
    return default


async def run_check(check: Check, timeout: float) -> CheckResult:
    started = time.monotonic()
    try:
        detail = await asyncio.wait_for(check.probe(), timeout)
    except TimeoutError:
        reason, hint = f"no answer within {timeout:g} s", hint_for(TimeoutError(), check.hint)
        return CheckResult(check.name, False, reason, hint, time.monotonic() - started)
    except (FerreroError, OSError) as exc:
        return CheckResult(
            check.name,
            False,
            str(exc) or type(exc).__name__,
            hint_for(exc, check.hint),
            time.monotonic() - started,
        )
    return CheckResult(check.name, True, detail, "", time.monotonic() - started)


async def run_checks(checks: list[Check], timeout: float = 30.0) -> list[CheckResult]:
    return [await run_check(check, timeout) for check in checks]


def render(results: list[CheckResult]) -> str:
    width = max((len(r.name) for r in results), default=0)
    lines = []
    for r in results:
        mark = "✓" if r.ok else "✗"
        line = f"{mark} {r.name.ljust(width)}  {r.detail}"
        if not r.ok and r.hint:
            line += f"\n  {' ' * width}  hint: {r.hint}"
        lines.append(line)
    failed = sum(not r.ok for r in results)
    lines.append(f"{len(results) - failed} of {len(results)} checks passed")
    return "\n".join(lines)
