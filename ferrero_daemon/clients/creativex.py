"""CreativeX scores from scorecard PDFs, through LlamaCloud's LlamaExtract agent.

``llama-cloud-services`` costs about 3 s and 120 MB to import, so it is imported the
first time a PDF (or ``check``) needs it, in a worker thread so the loop keeps
running, and never at daemon start. The agent is looked up once (``get_agent`` is
synchronous: it runs in a thread, before any extraction is in flight, as the SDK
requires, ``ref/llamacloud.md`` §2.2). A failed job does not raise in the SDK: it
returns a run with ``status=ERROR``, which becomes ``InvalidInputError`` here.
The output is validated by ``creativex_rules``; SDK and network errors are mapped
into ``errors.py``.
"""

from __future__ import annotations

import asyncio
import importlib
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import httpx

from ferrero_daemon import logs
from ferrero_daemon.config import Config
from ferrero_daemon.domain.creativex_rules import validate
from ferrero_daemon.domain.values import Scorecard
from ferrero_daemon.errors import (
    AuthError,
    FerreroError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    TransientError,
)

log = logs.get_logger(__name__)
SDK = "llama_cloud_services"
GENERATED_CLIENT = "llama_cloud.client"  # installed with the SDK, a fraction of its weight
PROBE_TIMEOUT = 15.0
MAX_CONCURRENT = 4  # LlamaCloud rate-limits per key; the job's parallelism may be higher
_DEPRECATED = r"This package \(llama-cloud-services\) is deprecated"
_FAILED_JOB = r"Failure in job: "


def _import_sdk() -> Any:
    # The package warns on every import that it is deprecated (ref §1.3); filter by
    # message, since the warning is attributed to whoever imports it.
    warnings.filterwarnings("ignore", message=_DEPRECATED)
    return importlib.import_module(SDK)


class CreativeXClient:
    """Implements ``ScoreExtractor``; ``from_config`` for the process's one instance."""

    def __init__(
        self,
        api_key: str,
        base_url: str,
        agent_name: str,
        timeout_seconds: float = 600.0,
        poll_interval_seconds: float = 2.0,
    ) -> None:
        self._api_key = api_key
        self.base_url = base_url
        self.agent_name = agent_name
        self._timeout = timeout_seconds
        self._poll = poll_interval_seconds
        self._sdk: Any = None
        self._extract: Any = None
        self._agent: Any = None
        self._lock = asyncio.Lock()
        self._slots = asyncio.Semaphore(MAX_CONCURRENT)

    @classmethod
    def from_config(cls, config: Config) -> CreativeXClient:
        settings = config.settings.creativex
        return cls(
            config.secrets.require("llama_cloud_api_key"),
            settings.base_url,
            settings.agent_name,
            settings.timeout_seconds,
            settings.poll_interval_seconds,
        )

    async def extract(self, pdf: bytes, filename: str) -> Scorecard:
        agent = await self._ready()
        # Only the base name goes to LlamaCloud (a path would be stored there too, ref §2.3),
        # and the extension is what its file-type detection reads.
        name = PurePosixPath(filename.replace("\\", "/")).name
        name = name if name.lower().endswith(".pdf") else f"{name}.pdf"
        source = self._sdk.SourceText(file=pdf, filename=name)
        async with self._slots:
            with self._errors(f"extracting {filename!r}"):
                # The SDK's own retries can stretch a call past its max_timeout.
                async with asyncio.timeout(self._timeout + 60):
                    warnings.filterwarnings("ignore", message=_FAILED_JOB)  # we check status
                    run = await agent.aextract(source)
        return self._scorecard(run, filename)

    def _scorecard(self, run: Any, filename: str) -> Scorecard:
        status = str(getattr(run.status, "value", run.status))
        extra = {
            "llama_run_id": run.id,
            "llama_job_id": run.job_id,
            "status": status,
            "error": run.error,
            "pdf_name": filename,
        }
        if status != "SUCCESS":
            log.warning("creativex_run_failed", file=filename, job=run.job_id, status=status)
            raise InvalidInputError(
                f"LlamaCloud could not extract {filename!r}: job {run.job_id} ended {status}"
                f" ({run.error or 'no reason given'})"
            )
        try:
            card = validate(run.data, extra)
        except InvalidInputError as exc:
            raise InvalidInputError(f"scorecard {filename!r}: {exc}") from exc
        log.info(
            "creativex_extracted", file=filename, cqs_pct=card.cqs_pct, warnings=len(card.warnings)
        )
        return card

    async def probe(self) -> str:
        """The agent exists and the key is accepted: what ``check`` reports.

        One request through the SDK's generated async client, without the retries
        ``get_agent`` makes (about 20 s of them when LlamaCloud is down), and without
        importing the whole SDK (1.4 s instead of 3 s).
        """
        agent = await self.agent()
        return f"agent {self.agent_name!r} found ({agent.id}) at {self.base_url}"

    async def agent(self) -> AgentInfo:
        """The agent as LlamaCloud holds it: id, data schema and config (one read)."""
        generated = await asyncio.to_thread(importlib.import_module, GENERATED_CLIENT)
        async with httpx.AsyncClient(timeout=PROBE_TIMEOUT) as http:
            api = generated.AsyncLlamaCloud(
                token=self._api_key,
                base_url=self.base_url,
                timeout=PROBE_TIMEOUT,
                httpx_client=http,
            )
            with self._errors(f"looking up agent {self.agent_name!r}"):
                agent = await api.llama_extract.get_extraction_agent_by_name(name=self.agent_name)
        config = agent.config.dict(exclude_none=True) if agent.config is not None else {}
        return AgentInfo(str(agent.id), dict(agent.data_schema or {}), _plain(config))

    async def _ready(self) -> Any:
        async with self._lock:
            if self._agent is None:
                with self._errors(f"looking up agent {self.agent_name!r}"):
                    await self._open()
            return self._agent

    async def _open(self) -> None:
        if self._sdk is None:
            self._sdk = await asyncio.to_thread(_import_sdk)
            log.info("creativex_sdk_loaded", module=SDK)
        if self._extract is None:
            self._extract = self._sdk.LlamaExtract(
                api_key=self._api_key,
                base_url=self.base_url,
                show_progress=False,
                check_interval=1,
                max_timeout=int(self._timeout),
            )
        agent = await asyncio.to_thread(self._extract.get_agent, name=self.agent_name)
        agent.check_interval = self._poll  # a float is fine on the agent (ref §2.1)
        self._agent = agent
        log.info("creativex_agent_found", agent=self.agent_name, agent_id=agent.id)

    async def aclose(self) -> None:
        if self._extract is not None:
            await self._extract._httpx_client.aclose()
            self._extract._thread_pool.shutdown(wait=False)
        if self._agent is not None:
            self._agent._thread_pool.shutdown(wait=False)
        self._extract = self._agent = None

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except FerreroError:
            raise
        except Exception as exc:
            mapped = map_error(exc, f"LlamaCloud {self.base_url}, {doing}", self.agent_name)
            if mapped is None:
                raise
            raise mapped from exc


@dataclass(frozen=True)
class AgentInfo:
    id: str
    data_schema: Mapping[str, Any]
    config: Mapping[str, Any]


def _plain(config: Mapping[str, Any]) -> dict[str, Any]:
    """Enum members (``ExtractTarget.PER_DOC``) as their values."""
    return {k: getattr(v, "value", v) for k, v in config.items()}


def map_error(exc: BaseException, where: str, agent_name: str) -> FerreroError | None:
    """Our error for an SDK or network error; None for one we do not know (a bug)."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return _by_status(status, f"{where}: HTTP {status} {_detail(exc)}", agent_name)
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return TransientError(f"{where}: timed out")
    if isinstance(exc, httpx.TransportError | ConnectionError):
        return TransientError(f"{where}: unreachable ({type(exc).__name__}: {exc})")
    if str(exc).startswith("Timeout while extracting"):
        return TransientError(f"{where}: no result in time ({exc})")
    if type(exc).__module__.startswith("pydantic"):
        return TransientError(f"{where}: an answer this SDK cannot read ({type(exc).__name__})")
    return None


def _detail(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    detail = body.get("detail") if isinstance(body, dict) else body
    return str(detail)[:300] if detail else ""


def _by_status(status: int, message: str, agent_name: str) -> FerreroError:
    if status == 429:
        return RateLimitedError(message)
    if status in (408, 425) or status >= 500:
        return TransientError(message)
    if status in (401, 403):
        return AuthError(f"{message}; check the llama_cloud_api_key secret")
    if status == 404:
        return NotFoundError(
            f"{message}; does the extraction agent {agent_name!r} exist? "
            "check [creativex] agent_name and base_url"
        )
    return InvalidInputError(message)
