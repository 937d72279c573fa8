"""OTMM credentials: the OTDS client-credentials token, and the mutual-TLS context.

The token is cached and fetched again a minute before ``expires_in`` runs out, or
when a call answers 401 (``invalidate``); one fetch at a time, however many calls wait.

For mutual TLS the ``.pfx`` is opened with ``cryptography``. Python's ``ssl`` only loads
a key from a file, so the key is written, encrypted with a one-time random passphrase,
to a 0600 file in a 0700 directory (in ``$XDG_RUNTIME_DIR`` when there is one, which
is private tmpfs), loaded, and deleted at once: the plain key never touches a disk,
and nothing is left behind whatever happens next.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import ssl
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from ferrero_daemon import logs
from ferrero_daemon.clients.http import Remote, tls_context
from ferrero_daemon.clients.otmm.wire import server_message
from ferrero_daemon.errors import AuthError, ConfigError

log = logs.get_logger(__name__)
REFRESH_MARGIN = 60.0
OTDS = Remote(
    "OTDS",
    "[dam] ca_bundle",
    hints={AuthError: "the credentials were refused: check [dam] client_id and the "
           "dam_client_secret secret"},
    detail=server_message,
)  # fmt: skip


class TokenSource:
    """OTDS ``client_credentials`` tokens, cached until a minute before they expire."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        url: str,
        client_id: str,
        client_secret: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._url = url
        self._client_id = client_id
        self._secret = client_secret
        self._clock = clock
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock = asyncio.Lock()

    def _fresh(self) -> bool:
        return self._token is not None and self._clock() < self._refresh_at

    async def get(self) -> str:
        if not self._fresh():
            async with self._lock:
                if not self._fresh():
                    await self._fetch()
        assert self._token is not None
        return self._token

    def invalidate(self, token: str) -> None:
        """Forget ``token`` (the server refused it); a newer one is kept."""
        if self._token == token:
            self._token = None

    async def _fetch(self) -> None:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._secret,
        }
        what = f"token request of client {self._client_id!r}"
        with OTDS.mapped(what):
            response = await self._http.post(self._url, data=form)
        if response.status_code != 200:
            raise OTDS.error(response, what, oauth=True)
        body = response.json()
        self._token = str(body["access_token"])
        lifetime = float(body.get("expires_in") or 3600)
        # A minute early; half the lifetime early for very short-lived tokens, so a
        # 60 s token is not fetched again for every call.
        self._refresh_at = self._clock() + lifetime - min(REFRESH_MARGIN, lifetime / 2)
        log.info("dam_token_fetched", expires_in=lifetime)


def mtls_context(pfx_path: Path, password: str, ca_bundle: Path | None) -> ssl.SSLContext:
    """An SSL context presenting the ``.pfx`` client certificate (and trusting ``ca_bundle``)."""
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(
            pfx_path.read_bytes(), password.encode()
        )
    except FileNotFoundError:
        raise ConfigError(f"dam.mtls_cert_path: {pfx_path} does not exist") from None
    except ValueError:
        raise ConfigError(
            f"dam.mtls_cert_path: cannot open {pfx_path}; check the dam_mtls_cert_password secret"
        ) from None
    if key is None or cert is None:
        raise ConfigError(f"dam.mtls_cert_path: {pfx_path} holds no key and certificate")
    context = tls_context(ca_bundle, "[dam] ca_bundle")
    passphrase = secrets.token_bytes(32)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    certs = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in [cert, *(chain or [])])
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = runtime if runtime and Path(runtime).is_dir() else None
    directory = tempfile.mkdtemp(prefix="ferrero-mtls-", dir=base)
    try:
        path = Path(directory) / "client.pem"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem + certs)
        context.load_cert_chain(path, password=passphrase)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return context
