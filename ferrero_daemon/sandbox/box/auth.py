"""JWT server auth for the Box emulator (``ref/box-api.md`` §1).

The emulator makes its own app: an RSA key pair and a ``Box-config.json`` whose
private key is encrypted with a passphrase, exactly as the Developer Console hands
it out. ``POST /oauth2/token`` then checks each assertion as Box does: signature
against that app's public key, ``kid``, ``iss``, ``sub``/``box_sub_type``, the fixed
``aud``, an ``exp`` at most 60 s ahead, and a ``jti`` never seen before.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

AUDIENCE = "https://api.box.com/oauth2/token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
MAX_EXP_AHEAD = 60


class TokenRequestError(Exception):
    """An OAuth-shaped refusal: ``error`` and ``error_description`` (ref §1.3)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description

    def as_json(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class BoxApp:
    """A JWT app: its ids, its key pair and the passphrase of the private key."""

    client_id: str
    client_secret: str
    public_key_id: str
    enterprise_id: str
    passphrase: str
    private_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls) -> BoxApp:
        return cls(
            client_id=secrets.token_hex(16),
            client_secret=secrets.token_hex(16),
            public_key_id=secrets.token_hex(4),
            enterprise_id=str(secrets.randbelow(10**7)),
            passphrase=secrets.token_hex(12),
            private_key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        )

    def config(self) -> dict[str, Any]:
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self.passphrase.encode("ascii")),
        )
        return {
            "boxAppSettings": {
                "clientID": self.client_id,
                "clientSecret": self.client_secret,
                "appAuth": {
                    "publicKeyID": self.public_key_id,
                    "privateKey": pem.decode("ascii"),
                    "passphrase": self.passphrase,
                },
            },
            "enterpriseID": self.enterprise_id,
        }

    def config_json(self) -> str:
        return json.dumps(self.config(), indent=2)


@dataclass
class TokenIssuer:
    """Mints bearer tokens for valid assertions and checks them on every API call."""

    app: BoxApp
    lifetime: float = 3600.0
    clock: Callable[[], float] = time.time
    _tokens: dict[str, float] = field(default_factory=dict)
    _seen_jti: set[str] = field(default_factory=set)
    issued: int = 0

    def issue(self, form: dict[str, str]) -> dict[str, Any]:
        self._check_client(form)
        self._check_assertion(form.get("assertion", ""))
        token = secrets.token_urlsafe(24)
        self._tokens[token] = self.clock() + self.lifetime
        self.issued += 1
        return {
            "access_token": token,
            "expires_in": int(self.lifetime),
            "restricted_to": [],
            "token_type": "bearer",
            "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
        }

    def valid(self, token: str) -> bool:
        expires = self._tokens.get(token)
        return expires is not None and expires > self.clock()

    def expire_all(self) -> None:
        """Every token issued so far is refused from now on (401)."""
        for token in self._tokens:
            self._tokens[token] = 0.0

    def _check_client(self, form: dict[str, str]) -> None:
        if form.get("grant_type") != JWT_GRANT:
            raise TokenRequestError("unsupported_grant_type", "Grant type is not supported")
        if form.get("client_id") != self.app.client_id or not secrets.compare_digest(
            form.get("client_secret", ""), self.app.client_secret
        ):
            raise TokenRequestError("invalid_client", "The client credentials are invalid")

    def _check_assertion(self, assertion: str) -> None:
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(
                assertion,
                self.app.private_key.public_key(),
                algorithms=["RS256", "RS384", "RS512"],
                audience=AUDIENCE,
                issuer=self.app.client_id,
                options={"require": ["exp", "jti", "iss", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenRequestError(
                "invalid_grant",
                "Current date time must be before the expiration date time listed in the 'exp' claim.",
            ) from exc
        except jwt.PyJWTError as exc:
            raise TokenRequestError("invalid_grant", f"Invalid JWT assertion: {exc}") from exc
        self._check_claims(header, claims)

    def _check_claims(self, header: dict[str, Any], claims: dict[str, Any]) -> None:
        if header.get("kid") != self.app.public_key_id:
            raise TokenRequestError("invalid_grant", "The 'kid' header is not a known public key")
        if claims.get("box_sub_type") != "enterprise" or claims["sub"] != self.app.enterprise_id:
            raise TokenRequestError(
                "invalid_grant", "Please check the 'sub' claim. The 'sub' specified is invalid."
            )
        if claims["exp"] > self.clock() + MAX_EXP_AHEAD:
            raise TokenRequestError(
                "invalid_grant", "Please check the 'exp' claim: at most 60 seconds ahead."
            )
        jti = str(claims["jti"])
        if not 16 <= len(jti) <= 128 or jti in self._seen_jti:
            raise TokenRequestError("invalid_grant", "Please check the 'jti' claim.")
        self._seen_jti.add(jti)
