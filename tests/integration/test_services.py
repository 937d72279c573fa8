from __future__ import annotations

import pytest

from ferrero_daemon.clients.box.client import BoxApiClient
from ferrero_daemon.clients.creativex import CreativeXClient
from ferrero_daemon.clients.otmm.client import OtmmClient
from ferrero_daemon.config import Config, Secret, Secrets
from ferrero_daemon.errors import ConfigError
from ferrero_daemon.outbox.queue import Outbox
from ferrero_daemon.services import Services, open_services


async def test_open_services_gives_every_job_the_real_clients(services: Services) -> None:
    assert isinstance(services.dam, OtmmClient) and isinstance(services.box, BoxApiClient)
    assert isinstance(services.scorer, CreativeXClient) and isinstance(services.notifier, Outbox)
    assert await services.db.fetchval("ping") == 1
    root = services.config.settings.box.folders.a1_a2
    assert await services.box.list_folder(root) == []


async def test_without_a_llamacloud_key_scoring_says_which_secret_is_missing(
    services_config: Config,
) -> None:
    values = {k: v for k, v in services_config.secrets.values.items() if k != "llama_cloud_api_key"}
    config = Config(services_config.settings, Secrets(dict[str, Secret](values)))
    async with open_services(config) as opened:
        with pytest.raises(ConfigError, match="secret 'llama_cloud_api_key' is not set"):
            await opened.scorer.extract(b"%PDF", "x.pdf")
