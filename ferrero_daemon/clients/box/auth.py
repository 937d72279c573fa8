"""Box JWT access tokens, minted by boxsdk in a thread and cached (``ref/box-api.md`` §1, §8).

boxsdk is used for this one thing, as the design has it: it reads ``Box-config.json``,
decrypts the key, signs the RS256 assertion and exchanges it for a token. It is
imported on the first mint, in that thread, so the daemon starts without it (its
import is the heaviest of the process: bench/NOTES.md). Its network session is
pointed at ``box.oauth_url``'s host (without it boxsdk would reach the real
api.box.com), verifies TLS against ``[box] ca_bundle`` or the public CAs, and is told
not to retry: retries, their waits and cancellation stay ours.

One refresh at a time (an ``asyncio.Lock``); a token is renewed ahead of its expiry,
or on demand after a 401. Errors are the one HTTP boundary's (``clients/http.py``: an
OAuth endpoint's 400 is a refusal, an AuthError; Retry-After read in both forms).
boxsdk's exception text carries the token request, client secret included, so it
never reaches a message or a log line: only the status and Box's OAuth error code do.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ferrero_daemon import logs
from ferrero_daemon.clients.http import Remote, parse_retry_after, tls_context
from ferrero_daemon.config import box_config_problem
from ferrero_daemon.errors import AuthError, ConfigError, FerreroError

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


def oauth_url_checked(oauth_url: str) -> str:
    """``box.oauth_url`` must be the token endpoint itself."""
    url = oauth_url.rstrip("/")
    if not url.endswith(OAUTH_PATH):
        raise ConfigError(
            f"box.oauth_url {oauth_url!r} must end with {OAUTH_PATH} "
            "(e.g. https://api.box.com/oauth2/token)"
        )
    return url


class _Minter:
    """boxsdk's JWT auth and a network session of its own (blocking; used in a thread)."""

    def __init__(self, app_config_json: str, oauth_url: str, timeout: float, verify: str | bool):
        import requests
        from box_sdk_gen import BaseUrls, BoxJWTAuth, JWTConfig, NetworkSession
        from box_sdk_gen.networking.box_network_client import BoxNetworkClient
        from box_sdk_gen.networking.retries import BoxRetryStrategy
        from box_sdk_gen.networking.timeout_config import TimeoutConfig

        base = oauth_url[: -len(OAUTH_PATH)]  # boxsdk posts to base_url + /oauth2/token
        http = requests.Session()
        if verify is not True:
            # requests lets $REQUESTS_CA_BUNDLE override a session's CA bundle; a configured
            # [box] ca_bundle must win, so the environment is read once, for proxies only.
            http.trust_env = False
            http.proxies = requests.utils.get_environ_proxies(oauth_url)
            http.verify = verify
        self._auth = BoxJWTAuth(config=JWTConfig.from_config_json_string(app_config_json))
        self._session = NetworkSession(
            network_client=BoxNetworkClient(requests_session=http),
            base_urls=BaseUrls(base_url=base, oauth_2_url=base + "/oauth2"),
            retry_strategy=BoxRetryStrategy(max_attempts=1, max_retries_on_exception=0),
            timeout_config=TimeoutConfig(
                connection_timeout_ms=int(min(timeout, 10.0) * 1000),
                read_timeout_ms=int(timeout * 1000),
            ),
        )

    def mint(self, clock: Callable[[], float]) -> tuple[str, float]:
        """A new access token and its lifetime in seconds, or our error."""
        from box_sdk_gen.box.errors import BoxAPIError, BoxSDKError

        try:
            access = self._auth.refresh_token(network_session=self._session)
        except BoxAPIError as exc:
            raise _refused(exc, clock) from None
        except BoxSDKError as exc:
            raise BOX_TOKEN.failure(exc.error or exc, "token request") from None
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                "secret 'box_jwt_config': the private key could not be decrypted with its "
                "passphrase; download Box-config.json again"
            ) from exc
        return str(access.access_token), float(access.expires_in or 3600)


def _refused(exc: Any, clock: Callable[[], float]) -> FerreroError:
    """Box's status, OAuth error code and description: never the request (it holds the secret)."""
    info = exc.response_info
    body: dict[str, object] = info.body if isinstance(info.body, dict) else {}
    headers = {str(k).lower(): str(v) for k, v in (info.headers or {}).items()}
    parts = (body.get("error") or info.code, body.get("error_description"))
    detail = ": ".join(str(part) for part in parts if part) or "no access_token"
    return BOX_TOKEN.status_error(
        int(info.status_code),
        "JWT assertion",
        detail,
        retry_after=parse_retry_after(headers.get("retry-after"), clock),
        oauth=True,
    )


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
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        problem = box_config_problem(app_config_json)
        if problem is not None:
            raise ConfigError(f"secret 'box_jwt_config' {problem}")
        tls_context(ca_bundle, "[box] ca_bundle")  # a clear error for an unreadable file, now
        self._app_json = app_config_json
        self._url = oauth_url_checked(oauth_url)
        self._timeout = timeout
        self._verify: str | bool = str(ca_bundle) if ca_bundle is not None else True
        self._minter: _Minter | None = None
        self._clock = clock
        self._wall_clock = wall_clock
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
        access, lifetime = await asyncio.to_thread(self._mint_blocking)
        ahead = min(REFRESH_AHEAD, lifetime / 10)
        self._token = _Token(access, started + lifetime - ahead)
        self.minted += 1
        log.info("box_token_minted", expires_in=int(lifetime))
        return self._token

    def _mint_blocking(self) -> tuple[str, float]:
        if self._minter is None:
            self._minter = _Minter(self._app_json, self._url, self._timeout, self._verify)
        return self._minter.mint(self._wall_clock)
