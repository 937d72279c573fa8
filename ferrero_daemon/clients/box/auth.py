"""Box JWT access tokens, minted by boxsdk in a thread and cached (``ref/box-api.md`` §1, §8).

boxsdk is used for this one thing: it reads ``Box-config.json``, decrypts the key and
signs the assertion. Its own network session is pointed at ``box.oauth_url``'s host
(without ``network_session=`` it would reach the real api.box.com) and told not to
retry, so that retries, their waits and cancellation stay ours. One refresh at a
time (an ``asyncio.Lock``); a token is renewed ahead of its expiry, or on demand
after a 401.

boxsdk's exception text carries the token request, client secret included, so it
never reaches a message or a log line: only the status and the OAuth error code do.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from box_sdk_gen import BaseUrls, BoxJWTAuth, JWTConfig, NetworkSession
from box_sdk_gen.box.errors import BoxAPIError, BoxSDKError
from box_sdk_gen.networking.box_network_client import BoxNetworkClient
from box_sdk_gen.networking.retries import BoxRetryStrategy
from box_sdk_gen.networking.timeout_config import TimeoutConfig

from ferrero_daemon import logs
from ferrero_daemon.clients.http import Remote, parse_retry_after, tls_context
from ferrero_daemon.config import box_config_problem
from ferrero_daemon.errors import AuthError, ConfigError

log = logs.get_logger(__name__)

OAUTH_PATH = "/oauth2/token"
BOX_TOKEN = Remote(
    "Box's token endpoint",
    "[box] ca_bundle",
    hints={AuthError: "check the secret 'box_jwt_config', that the app is authorised in the "
           "Box Admin Console, and the host's clock"},
)  # fmt: skip
REFRESH_AHEAD = 300.0  # seconds before expiry (ref §8), at most a tenth of the lifetime


@dataclass(frozen=True)
class _Token:
    value: str
    renew_at: float


def oauth_base(oauth_url: str) -> str:
    """boxsdk posts to ``base_url + /oauth2/token``; give it that base."""
    url = oauth_url.rstrip("/")
    if not url.endswith(OAUTH_PATH):
        raise ConfigError(
            f"box.oauth_url {oauth_url!r} must end with {OAUTH_PATH} "
            "(e.g. https://api.box.com/oauth2/token)"
        )
    return url[: -len(OAUTH_PATH)]


def jwt_config(app_config_json: str) -> JWTConfig:
    problem = box_config_problem(app_config_json)
    if problem is not None:
        raise ConfigError(f"secret 'box_jwt_config' {problem}")
    return JWTConfig.from_config_json_string(app_config_json)


class JwtTokens:
    """Bearer tokens for the app in ``Box-config.json``."""

    def __init__(
        self,
        app_config_json: str,
        oauth_url: str,
        *,
        timeout: float = 30.0,
        ca_bundle: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._auth = BoxJWTAuth(config=jwt_config(app_config_json))
        base = oauth_base(oauth_url)
        requests_session = requests.Session()
        if ca_bundle is not None:  # else requests' own default: verified against certifi
            tls_context(ca_bundle, "[box] ca_bundle")  # a clear error for an unreadable file
            requests_session.verify = str(ca_bundle)
        self._session = NetworkSession(
            network_client=BoxNetworkClient(requests_session=requests_session),
            base_urls=BaseUrls(base_url=base, oauth_2_url=base + "/oauth2"),
            retry_strategy=BoxRetryStrategy(max_attempts=1, max_retries_on_exception=0),
            timeout_config=TimeoutConfig(
                connection_timeout_ms=int(min(timeout, 10.0) * 1000),
                read_timeout_ms=int(timeout * 1000),
            ),
        )
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: _Token | None = None
        self.minted = 0

    async def get(self) -> str:
        """A token that is not about to expire."""
        token = self._token
        if token is not None and self._clock() < token.renew_at:
            return token.value
        async with self._lock:
            token = self._token
            if token is None or self._clock() >= token.renew_at:
                token = await self._mint()
            return token.value

    async def refresh(self, rejected: str) -> str:
        """A new token after ``rejected`` got a 401 (unless another task renewed it already)."""
        async with self._lock:
            token = self._token
            if token is None or token.value == rejected:
                token = await self._mint()
            return token.value

    async def _mint(self) -> _Token:
        started = self._clock()
        try:
            access = await asyncio.to_thread(
                self._auth.refresh_token, network_session=self._session
            )
        except BoxAPIError as exc:
            raise _token_error(exc) from None
        except BoxSDKError as exc:  # no answer: its text holds the request, so not chained
            raise BOX_TOKEN.failure(exc.error or exc, "token request") from None
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                "secret 'box_jwt_config': the private key could not be decrypted with its "
                "passphrase; download Box-config.json again"
            ) from exc
        lifetime = float(access.expires_in or 3600)
        ahead = min(REFRESH_AHEAD, lifetime / 10)
        self._token = _Token(str(access.access_token), started + lifetime - ahead)
        self.minted += 1
        log.info("box_token_minted", expires_in=int(lifetime))
        return self._token


def _token_error(exc: BoxAPIError) -> Exception:
    info = exc.response_info
    body: dict[str, Any] = info.body if isinstance(info.body, dict) else {}
    reason = body.get("error") or info.code or ""
    detail = ": ".join(str(part) for part in (reason, body.get("error_description")) if part)
    headers = {k.lower(): v for k, v in (info.headers or {}).items()}
    return BOX_TOKEN.status_error(
        info.status_code,
        "JWT assertion",
        detail,
        retry_after=parse_retry_after(headers.get("retry-after")),
        oauth=True,
    )
