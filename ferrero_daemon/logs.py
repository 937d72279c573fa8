"""Logging: one JSON object per line on stderr, with a ``<N>`` syslog priority prefix.

journald strips the prefix and keeps the level, so ``journalctl -u ferrero-daemon -p err``
works. Standard-library loggers (APScheduler, httpx, asyncpg) go through the same
renderer. Exceptions are structured dicts without frame locals. Every loaded secret
value is scrubbed from every line, whatever key it hides under.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from typing import IO, Any

import structlog
from structlog.tracebacks import ExceptionDictTransformer
from structlog.typing import EventDict, Processor, WrappedLogger

from ferrero_daemon.config import MASK

PRIORITY = {
    "critical": 2,
    "exception": 3,
    "error": 3,
    "warning": 4,
    "warn": 4,
    "info": 6,
    "debug": 7,
}
_SECRET_KEYS = re.compile(
    r"pass(word)?|secret|token|authorization|api[_-]?key|cookie|private", re.I
)
_VALUE_PATTERNS = (
    re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.I),
    re.compile(r"(://[^/\s:@]+:)[^@\s/]+(@)"),
)


class Redactor:
    """Scrubs known secret values and secret-looking keys from an event dict."""

    def __init__(self) -> None:
        self._values: list[str] = []

    def set_secrets(self, values: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is replaced whole.
        self._values = sorted({v for v in values if len(v) >= 4}, key=len, reverse=True)

    def scrub_text(self, text: str) -> str:
        for value in self._values:
            if value in text:
                text = text.replace(value, MASK)
        for pattern in _VALUE_PATTERNS:
            text = pattern.sub(
                lambda m: m.group(1) + MASK + (m.group(2) if m.lastindex == 2 else ""), text
            )
        return text

    def scrub(self, node: Any, key: str = "") -> Any:
        if key and _SECRET_KEYS.search(key) and isinstance(node, str | bytes) and node:
            return MASK
        if isinstance(node, str):
            return self.scrub_text(node)
        if isinstance(node, dict):
            return {k: self.scrub(v, str(k)) for k, v in node.items()}
        if isinstance(node, list | tuple):
            return [self.scrub(v) for v in node]
        if isinstance(node, int | float | bool) or node is None:
            return node
        return self.scrub_text(str(node))

    def __call__(self, _logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
        return {k: self.scrub(v, k) for k, v in event_dict.items()}


REDACTOR = Redactor()


def _journald_json(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> str:
    level = str(event_dict.get("level", "info")).lower()
    return f"<{PRIORITY.get(level, 6)}>" + json.dumps(event_dict, default=str, ensure_ascii=False)


class _Static:
    """Adds fields present on every line (the environment name)."""

    def __init__(self, **fields: Any) -> None:
        self.fields = fields

    def __call__(self, _logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
        for key, value in self.fields.items():
            event_dict.setdefault(key, value)
        return event_dict


def configure(
    level: str = "info",
    environment: str = "unknown",
    secrets: Iterable[str] = (),
    stream: IO[str] | None = None,
) -> None:
    """Set up structlog and the standard library once per process (again on reload)."""
    REDACTOR.set_secrets(secrets)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _Static(env=environment),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.ExceptionRenderer(
                ExceptionDictTransformer(show_locals=False, max_frames=20)
            ),
            REDACTOR,
            _journald_json,
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    logging.basicConfig(handlers=[handler], level=level.upper(), force=True)
    for noisy in ("apscheduler.executors", "apscheduler.scheduler", "httpx", "httpcore", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger


def bind(**fields: Any) -> Mapping[str, Any]:
    """Bind fields to every log line of the current task (job, run_id, campaign…)."""
    return structlog.contextvars.bind_contextvars(**fields)
