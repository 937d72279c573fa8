"""Finding derivatives in a campaign's DAM folder, by what their metadata says."""

from __future__ import annotations

from ferrero_daemon.clients.types import DamClient
from ferrero_daemon.config import DamConfig
from ferrero_daemon.domain import tracking_id
from ferrero_daemon.domain.values import DamAsset, field_text
from ferrero_daemon.errors import NotFoundError


async def derivatives_folder(dam: DamClient, settings: DamConfig, campaign_id: str) -> str:
    """The campaign folder itself, or its ``dam.derivatives_subfolder``."""
    name = settings.derivatives_subfolder
    if not name:
        return campaign_id
    children = await dam.folder_children(campaign_id)
    for folder in children.folders:
        if folder.name.casefold() == name.casefold():
            return folder.id
    raise NotFoundError(
        f"DAM campaign folder {campaign_id} has no sub-folder {name!r} "
        "(dam.derivatives_subfolder); create it in the DAM or change the setting"
    )


def is_derivative(asset: DamAsset, settings: DamConfig) -> bool:
    role = field_text(asset.metadata.get(settings.fields.asset_role))
    return role.casefold() == settings.derivative_role_value.casefold()


async def derivatives(dam: DamClient, settings: DamConfig, folder_id: str) -> list[DamAsset]:
    children = await dam.folder_children(folder_id)
    return [a for a in children.assets if is_derivative(a, settings)]


async def find_derivative(
    dam: DamClient, settings: DamConfig, folder_id: str, *, tid: str, country: str, language: str
) -> DamAsset | None:
    """The newest version of the derivative for this tracking ID and market, if any."""
    f = settings.fields
    found = [
        a
        for a in await derivatives(dam, settings, folder_id)
        if tracking_id.normalize(field_text(a.metadata.get(f.tracking_id))) == tid
        and field_text(a.metadata.get(f.country)).casefold() == country.casefold()
        and field_text(a.metadata.get(f.language)).casefold() == language.casefold()
    ]
    return max(found, key=lambda a: a.version, default=None)
