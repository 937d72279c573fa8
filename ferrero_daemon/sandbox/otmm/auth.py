"""Who is calling the OTMM emulator: OTDS tokens, OTMM sessions, client certificates.

Accepted, as in `ref/otmm-api.md` §2 and §11: ``Authorization: Bearer <OTDS token>``,
``Authorization: Bearer otmmToken <digest>``, ``otmmauthtoken: <digest>``, a
``JSESSIONID`` cookie, or (mTLS mode) a verified client certificate. Session-based
calls that change something must carry ``X-Requested-By`` (§2.4).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from ferrero_daemon.sandbox.otmm.store import SERVICE_USER, OtmmError

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass
class Token:
    login: str
    expires_at: float


@dataclass(frozen=True)
class Session:
    id: int
    digest: str
    jsessionid: str
    login: str


@dataclass
class OAuthClient:
    client_id: str
    client_secret: str
    login: str = SERVICE_USER


class Authenticator:
    """Issues and checks credentials; ``expire_all`` makes every current token stale."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clients: dict[str, OAuthClient] = {}
        self.passwords: dict[str, str] = {}
        self.tokens: dict[str, Token] = {}
        self.sessions: dict[str, Session] = {}
        self.token_lifetime = 3600
        self.tokens_issued = 0
        self._clock = clock

    def add_client(self, client_id: str, client_secret: str, login: str = SERVICE_USER) -> None:
        self.clients[client_id] = OAuthClient(client_id, client_secret, login)

    def issue_token(self, client_id: str, client_secret: str) -> tuple[str, int]:
        client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client.client_secret, client_secret):
            raise PermissionError("invalid_client")
        token = secrets.token_urlsafe(32)
        self.tokens[token] = Token(client.login, self._clock() + self.token_lifetime)
        self.tokens_issued += 1
        return token, self.token_lifetime

    def expire_all(self) -> int:
        for token in self.tokens.values():
            token.expires_at = 0.0
        expired = len(self.tokens) + len(self.sessions)
        self.sessions.clear()
        return expired

    def open_session(self, login: str, password: str) -> Session:
        expected = self.passwords.get(login)
        if expected is None or not secrets.compare_digest(expected, password):
            raise OtmmError(401, "Invalid username or password.", "LOGIN_FAILED")
        session = Session(
            secrets.randbelow(2**31), secrets.token_hex(20), secrets.token_hex(16), login
        )
        self.sessions[session.digest] = session
        return session

    def session_of(self, request: web.Request) -> Session | None:
        auth = request.headers.get("Authorization", "")
        digest = request.headers.get("otmmauthtoken") or ""
        if auth.startswith("Bearer otmmToken "):
            digest = auth.removeprefix("Bearer otmmToken ").strip()
        if digest in self.sessions:
            return self.sessions[digest]
        cookie = request.cookies.get("JSESSIONID")
        return next((s for s in self.sessions.values() if s.jsessionid == cookie), None)

    def login_of(self, request: web.Request) -> str:
        """The caller's login, or ``OtmmError(401)``."""
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer ") and not auth.startswith("Bearer otmmToken "):
            token = self.tokens.get(auth.removeprefix("Bearer ").strip())
            if token is None or token.expires_at <= self._clock():
                raise OtmmError(401, "The access token is invalid or has expired.", "UNAUTHORIZED")
            return token.login
        session = self.session_of(request)
        if session is not None:
            if request.method not in SAFE_METHODS and not request.headers.get("X-Requested-By"):
                raise OtmmError(403, "X-Requested-By header is required.", "CSRF")
            return session.login
        if _peer_certificate(request):
            return SERVICE_USER  # a certificate signed by the trusted CA maps to the service user
        raise OtmmError(401, "Authentication is required.", "UNAUTHORIZED")


def _peer_certificate(request: web.Request) -> bool:
    transport = request.transport
    if transport is None:
        return False
    peer = transport.get_extra_info("peercert")
    return bool(peer)
