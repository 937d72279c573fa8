"""A check's probe, awaited the one way both ``check`` and ``check --deep`` do it: within
a deadline, and any failure as the error that says why (never an exception out)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from ferrero_daemon.errors import FerreroError, TransientError

T = TypeVar("T")


async def answer(probe: Awaitable[T], timeout: float) -> T | FerreroError:
    """What ``probe`` found within ``timeout`` seconds, or why it found nothing: no answer
    in time, a socket error (both temporary), or the error our client raised."""
    try:
        return await asyncio.wait_for(probe, timeout)
    except TimeoutError:
        return TransientError(f"no answer within {timeout:g} s")
    except OSError as exc:
        return TransientError(str(exc) or type(exc).__name__)
    except FerreroError as exc:
        return exc
