"""Secret canaries: a unique value for every secret, and a scan for them everywhere.

Each reliability test configures the daemon with these values (the emulators accept
exactly them), then looks for every one of them, and for its base64 and URL-encoded
forms, in whatever the daemon let out: its log lines, the mails (raw, decoded parts and
any ``.eml`` file), the webhook bodies and headers (but the one ``Authorization``
header that must carry the webhook token), the control socket's replies, the CLI's
output, what it wrote to the DAM and Box, and every row of the tracking database.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

SECRET_NAMES = (
    "dam_client_secret",
    "dam_mtls_cert_password",
    "db_password",
    "smtp_password",
    "webhook_token",
    "llama_cloud_api_key",
    "box_client_secret",  # the Box-config.json's clientSecret
    "box_passphrase",  # the Box-config.json's private key passphrase
)


def _value(name: str) -> str:
    return f"cnry{secrets.token_hex(10)}{name.replace('_', '')[:6]}"


@dataclass(frozen=True)
class Canaries:
    values: Mapping[str, str] = field(
        default_factory=lambda: {name: _value(name) for name in SECRET_NAMES}
    )
    extra: Mapping[str, str] = field(default_factory=dict)  # e.g. a private key's body

    def with_extra(self, **more: str) -> Canaries:
        return Canaries(self.values, {**self.extra, **more})

    def __getitem__(self, name: str) -> str:
        return self.values[name]

    def forms(self) -> Iterator[tuple[str, str]]:
        """(secret name, a form its value could leak in)."""
        for name, value in {**self.values, **self.extra}.items():
            yield name, value
            yield name, base64.b64encode(value.encode()).decode().rstrip("=")
            if quote(value, safe="") != value:
                yield name, quote(value, safe="")

    def scan(self, sources: Iterable[tuple[str, str]]) -> list[str]:
        """``where: secret`` for each canary found in (where, text) pairs."""
        found = set()
        forms = list(self.forms())
        for where, text in sources:
            for name, form in forms:
                if form and form in text:
                    found.add(f"{where}: {name}")
        return sorted(found)
