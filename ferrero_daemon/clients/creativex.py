"""CreativeX scores from scorecard PDFs, through LlamaCloud's LlamaExtract agent.

``llama-cloud-services`` costs about 3 s and 120 MB to import, so it is imported the
first time a PDF (or ``check``) needs it, in a worker thread so the loop keeps
running, and never at daemon start. The agent is looked up once (``get_agent`` is
synchronous: it runs in a thread, before any extraction is in flight, as the SDK
requires, ``ref/llamacloud.md`` §2.2). A failed job does not raise in the SDK: it
returns a run with ``status=ERROR``, which becomes ``InvalidInputError`` here.
The output is validated by ``creativex_rules``; SDK and network errors become ours
at the HTTP boundary (``clients/http.py``). The SDK retries its own calls (5 tries on
408/425/429/5xx and transport errors, ``ref/llamacloud.md`` §2.3), so nothing here does.
"""

from __future__ import annotations

import asyncio
import importlib
import ssl
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import httpx

from ferrero_daemon import logs
from ferrero_daemon.clients.http import Remote, tls_context
from ferrero_daemon.config import Config
from ferrero_daemon.domain.creativex_rules import validate
from ferrero_daemon.domain.values import Scorecard
from ferrero_daemon.errors import (
    AuthError,
    FerreroError,
    InvalidInputError,
    NotFoundError,
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
        *,
        ca_bundle: Path | None = None,
    ) -> None:
        self._api_key = api_key
        self.base_url = base_url
        self.agent_name = agent_name
        self._tls = tls_context(ca_bundle, "[creativex] ca_bundle")
        self._ca_bundle = ca_bundle
        self._remote = llamacloud(base_url, agent_name)
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
            ca_bundle=settings.ca_bundle,
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
        async with httpx.AsyncClient(timeout=PROBE_TIMEOUT, verify=self._tls) as http:
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
            if self._ca_bundle is not None:
                await _trust(self._extract, self._tls)
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
            mapped = map_error(exc, doing, self._remote)
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


async def _trust(extract: Any, context: ssl.SSLContext) -> None:
    """Verify LlamaCloud against our CA bundle (``verify=True``, the default, is the public CAs).

    ``LlamaExtract`` validates ``verify`` as a bool, yet only hands it to httpx, which
    takes a context: so it gets ours after construction, for its shared client and
    for the clients it makes per call (``get_agent`` in a thread).
    """
    extract.verify = context
    unused, extract._httpx_client = (
        extract._httpx_client,
        httpx.AsyncClient(verify=context, timeout=extract.httpx_timeout),
    )
    extract._async_client._client_wrapper.httpx_client = extract._httpx_client
    await unused.aclose()


def llamacloud(base_url: str, agent_name: str) -> Remote:
    return Remote(
        f"LlamaCloud {base_url}",
        "[creativex] ca_bundle",
        hints={
            AuthError: "check the llama_cloud_api_key secret",
            NotFoundError: f"does the extraction agent {agent_name!r} exist? "
            "check [creativex] agent_name and base_url",
        },
    )


def map_error(exc: BaseException, what: str, remote: Remote) -> FerreroError | None:
    """Our error for an SDK or network error; None for one we do not know (a bug)."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return remote.status_error(status, what, _detail(exc))
    if isinstance(exc, httpx.RequestError | TimeoutError | ConnectionError):
        return remote.failure(exc, what)  # the SDK's thread wrapper raises the builtins
    if str(exc).startswith("Timeout while extracting"):
        return TransientError(f"{what}: {remote.name}: no result in time ({exc})")
    if type(exc).__module__.startswith("pydantic"):
        return TransientError(
            f"{what}: {remote.name} gave an answer this SDK cannot read ({type(exc).__name__})"
        )
    return None


def _detail(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    detail = body.get("detail") if isinstance(body, dict) else body
    return str(detail)[:300] if detail else ""
