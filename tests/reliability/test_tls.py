"""TLS verification, end to end: the real daemon refuses a server its CA bundle does not vouch
for, says which key to set, and goes through once the operator sets it and reloads.

The client-level cases are in ``tests/integration/test_tls.py`` (each HTTPS client, and
SMTP in ``test_mail.py``); here the DAM (OTDS first) and SMTP speak TLS with certificates
of private CAs that the daemon's configuration does not name at first.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Iterator

import pytest

from ferrero_daemon.sandbox.pki import TestPki
from tests.configs import write_toml
from tests.reliability.world import World

# asyncio (3.11) leaves the server side of a refused handshake unclosed (the emulator's).
# The clients' own TLS tests run in every suite run; this end-to-end one in the full run.
pytestmark = [pytest.mark.filterwarnings("ignore::ResourceWarning"), pytest.mark.full]


@pytest.fixture(autouse=True)
def _collect_refused_handshakes() -> Iterator[None]:
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


async def test_an_unknown_ca_is_refused_until_the_operator_names_it(world: World) -> None:
    await world.otmm.stop()
    pki = TestPki("reliability-private-ca")
    (world.workdir / "pki").mkdir()
    world.otmm.ssl_context = pki.server_context(world.workdir / "pki")
    await world.otmm.start()  # the same port, now HTTPS
    dam_ca = pki.write_ca(world.workdir / "pki" / "dam-ca.pem")
    smtp_ca = world.settings["smtp"].pop("ca_bundle")
    world.settings["dam"].update(world.otmm.config_overrides()["dam"])  # https:// URLs
    write_toml(world.daemon.config_path, world.settings)
    campaign = world.seed_campaign("4712", 2)
    await world.daemon.start()

    refused = await world.daemon.trigger("a1_a2")
    assert refused.code == 1, refused.text
    assert "TLS certificate is not trusted" in refused.stdout
    assert "[dam] ca_bundle" in refused.stdout  # the hint: what to set
    assert world.box_files("a1_a2") == [] and world.status_of(campaign) == "A1"
    await world.daemon.wait_log("outbox_delivery_failed", kind="email")
    failed = world.daemon.find("outbox_delivery_failed", kind="email")[0]
    assert "not trusted" in failed["error"] and "[smtp] ca_bundle" in failed["error"]
    assert world.smtp.messages == []  # the Problem mail waits: nothing went out unverified

    world.settings["dam"]["ca_bundle"] = str(dam_ca)
    world.settings["smtp"]["ca_bundle"] = smtp_ca
    write_toml(world.daemon.config_path, world.settings)
    assert (await world.daemon.cli("reload", "--wait")).code == 0
    assert (await world.daemon.trigger("a1_a2")).code == 0
    await world.outbox_settled()
    assert len(world.box_files("a1_a2")) == 2 and world.status_changes(campaign) == ["A2"]
    # One of each. Not in that order: the Problem mail was backing off when the Resolved
    # one was queued, so the outbox sent the due one first (reported, left to the outbox).
    assert sorted(world.alerts("a1_a2")) == ["Problem", "Resolved"]
