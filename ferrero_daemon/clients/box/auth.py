"""Box JWT access tokens, minted and cached (``ref/box-api.md`` §1, §8).

Box's JWT grant, as boxsdk 10 performs it (``box_sdk_gen/box/jwt_auth.py``): an RS256
assertion signed with the app's private key (decrypted with its passphrase), header
``kid`` = ``publicKeyID``, claims ``iss`` = client ID, ``sub`` = enterprise ID,
``box_sub_type`` = ``enterprise``, ``aud`` = Box's token URL (always
``https://api.box.com/oauth2/token``, whatever host is asked), a fresh ``jti`` and
``exp`` 30 s ahead; POSTed with the client ID and secret to ``box.oauth_url``.

We sign it ourselves with PyJWT and ``cryptography`` (what boxsdk uses underneath)
and POST it with httpx: boxsdk's import alone kept 14 MB and 650 modules resident in
the daemon for this one request (bench/NOTES.md). Box's own SDK still proves the
emulator's side of this exchange (``tests/integration/test_box_behaviour.py``).

One refresh at a time (an ``asyncio.Lock``); a token is renewed ahead of its
expiry, or on demand after a 401. No retry here: retries and their waits are the
caller's. Errors are the one HTTP boundary's (``clients/http.py``: an OAuth endpoint's
400 is a refusal, an AuthError); TLS is verified against ``[box] ca_bundle`` or the
public CAs. Neither the client secret nor the key ever reaches a message or a log.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from ferrero_daemon import logs
from ferrero_daemon.clients.http import Remote, tls_context
from ferrero_daemon.config import box_config_problem
from ferrero_daemon.errors import AuthError, ConfigError, FerreroError

log = logs.get_logger(__name__)

OAUTH_PATH = "/oauth2/token"
AUDIENCE = "https://api.box.com/oauth2/token"  # what Box checks, whichever host is asked
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME = 30  # seconds (Box allows at most 60)
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


@dataclass(frozen=True)
class JwtApp:
    """What ``Box-config.json`` says about the app (the secrets stay out of ``repr``)."""

    client_id: str
    enterprise_id: str
    key_id: str
    client_secret: str = ""
    private_key: str = ""
    passphrase: str = ""

    def __repr__(self) -> str:
        return f"JwtApp(client_id={self.client_id!r}, enterprise_id={self.enterprise_id!r})"

    def assertion(self, now: float) -> str:
        """The signed JWT (blocking: decrypts the key and signs; run it in a thread)."""
        key = load_pem_private_key(self.private_key.encode(), self.passphrase.encode() or None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError("the private key of Box-config.json is not an RSA key")
        claims = {
            "iss": self.client_id,
            "sub": self.enterprise_id,
            "box_sub_type": "enterprise",
            "aud": AUDIENCE,
            "jti": uuid.uuid4().hex,
            "exp": int(now) + ASSERTION_LIFETIME,
        }
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.key_id})


def oauth_url_checked(oauth_url: str) -> str:
    """``box.oauth_url`` must be the token endpoint itself."""
    url = oauth_url.rstrip("/")
    if not url.endswith(OAUTH_PATH):
        raise ConfigError(
            f"box.oauth_url {oauth_url!r} must end with {OAUTH_PATH} "
            "(e.g. https://api.box.com/oauth2/token)"
        )
    return url


def jwt_config(app_config_json: str) -> JwtApp:
    problem = box_config_problem(app_config_json)
    if problem is not None:
        raise ConfigError(f"secret 'box_jwt_config' {problem}")
    data = json.loads(app_config_json)
    settings = data["boxAppSettings"]
    auth = settings["appAuth"]
    return JwtApp(
        client_id=str(settings["clientID"]),
        enterprise_id=str(data["enterpriseID"]),
        key_id=str(auth["publicKeyID"]),
        client_secret=str(settings["clientSecret"]),
        private_key=str(auth["privateKey"]),
        passphrase=str(auth.get("passphrase") or ""),
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
        self._app = jwt_config(app_config_json)
        self._url = oauth_url_checked(oauth_url)
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self._tls = tls_context(ca_bundle, "[box] ca_bundle")  # a clear error for a bad file
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
        try:
            assertion = await asyncio.to_thread(self._app.assertion, self._wall_clock())
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                "secret 'box_jwt_config': the private key could not be decrypted with its "
                "passphrase; download Box-config.json again"
            ) from exc
        form = {
            "grant_type": JWT_GRANT,
            "assertion": assertion,
            "client_id": self._app.client_id,
            "client_secret": self._app.client_secret,
        }
        # One request an hour: a client of its own, closed at once, holds no pool.
        with BOX_TOKEN.mapped("token request"):
            async with httpx.AsyncClient(timeout=self._timeout, verify=self._tls) as http:
                response = await http.post(self._url, data=form)
        access, lifetime = _access_token(response)
        ahead = min(REFRESH_AHEAD, lifetime / 10)
        self._token = _Token(access, started + lifetime - ahead)
        self.minted += 1
        log.info("box_token_minted", expires_in=int(lifetime))
        return self._token


def _access_token(response: httpx.Response) -> tuple[str, float]:
    try:
        body = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    if response.status_code == 200 and body.get("access_token"):
        return str(body["access_token"]), float(body.get("expires_in") or 3600)
    raise _token_error(response, body)


def _token_error(response: httpx.Response, body: dict[str, object]) -> FerreroError:
    """Box's OAuth error code and description (never the request: it holds the secret)."""
    parts = (body.get("error"), body.get("error_description"))
    detail = ": ".join(str(part) for part in parts if part) or "no access_token"
    return BOX_TOKEN.status_error(
        response.status_code,
        "JWT assertion",
        detail,
        retry_after=BOX_TOKEN.retry_after(response),
        oauth=True,
    )
