"""Every ``OtmmClient`` operation against the OTMM emulator over loopback."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import pytest

from ferrero_daemon.clients.otmm.client import OtmmClient
from ferrero_daemon.errors import ConflictError, NotFoundError
from ferrero_daemon.sandbox.otmm.content import SeededContent
from ferrero_daemon.sandbox.otmm.server import OtmmEmulator

MiB = 1024 * 1024


async def stream_of(content: SeededContent) -> AsyncIterator[bytes]:
    async for piece in content.chunks():
        yield piece


async def sha1_of_download(client: OtmmClient, asset_id: str) -> tuple[str, int, int | None]:
    digest = hashlib.sha1()
    received = 0
    async with client.download(asset_id) as download:
        async for chunk in download.chunks:
            digest.update(chunk)
            received += len(chunk)
    return digest.hexdigest(), received, download.size


async def test_find_folders_by_exact_status(otmm: OtmmEmulator, dam_client: OtmmClient) -> None:
    f = otmm.fields
    a1 = otmm.create_campaign("Nutella Xmas", {f.campaign_status: "A1", f.brand: "Nutella"})
    otmm.create_campaign("Kinder Archive", {f.campaign_status: "A10", f.brand: "Kinder"})
    otmm.create_campaign("Tic Tac", {f.campaign_status: "A2"})

    found = await dam_client.find_folders({f.campaign_status: "A1"})

    assert [x.id for x in found] == [a1]
    assert found[0].name == "Nutella Xmas"
    assert found[0].metadata[f.brand] == "Nutella"


async def test_children_metadata_and_subfolders(otmm: OtmmEmulator, dam_client: OtmmClient) -> None:
    f = otmm.fields
    campaign = otmm.create_campaign("C", {f.campaign_status: "A1"})
    sub = otmm.create_folder(campaign, "Masters")
    master = otmm.create_asset(campaign, "m.mp4", {f.asset_role: "Master"}, size=1000, seed=1)
    empty = otmm.create_asset(campaign, "brief.txt", {f.asset_role: "Brief"}, size=None)

    children = await dam_client.folder_children(campaign)

    assert [x.id for x in children.folders] == [sub]
    by_id = {a.id: a for a in children.assets}
    assert by_id[master].size == 1000
    assert by_id[master].folder_id == campaign
    assert by_id[master].metadata[f.asset_role] == "Master"
    assert by_id[empty].size is None
    folder = await dam_client.get_folder(campaign)
    assert folder.metadata[f.campaign_status] == "A1"  # the domain code, not its display text


async def test_children_page_to_the_end(otmm: OtmmEmulator, dam_client: OtmmClient) -> None:
    campaign = otmm.create_campaign("Big")
    ids = {otmm.create_asset(campaign, f"v{i:03}.mp4", size=10, seed=i) for i in range(230)}

    children = await dam_client.folder_children(campaign)

    assert {a.id for a in children.assets} == ids


async def test_download_matches_seeded_sha1(otmm: OtmmEmulator, dam_client: OtmmClient) -> None:
    campaign = otmm.create_campaign("C")
    asset = otmm.create_asset(campaign, "m.mp4", size=5 * MiB + 123, seed=42)

    sha1, received, size = await sha1_of_download(dam_client, asset)

    assert (sha1, received, size) == (otmm.content_sha1(asset), 5 * MiB + 123, 5 * MiB + 123)


async def test_get_asset_unknown_is_not_found(dam_client: OtmmClient) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        await dam_client.get_asset("0" * 40)


async def test_import_streams_and_waits_for_job(otmm: OtmmEmulator, dam_client: OtmmClient) -> None:
    f = otmm.fields
    campaign = otmm.create_campaign("C")
    content = SeededContent(seed=9, size=3 * MiB + 7)

    asset = await dam_client.import_asset(
        campaign,
        "Nutella_IT_it_123_OMG999_K7Q2M.mp4",
        content.size,
        stream_of(content),
        {f.tracking_id: "K7Q2M", f.asset_role: "Derivative", f.approval: "PENDING"},
    )

    assert asset.folder_id == campaign
    assert asset.size == content.size
    assert asset.metadata[f.tracking_id] == "K7Q2M"
    (imported,) = otmm.imported()
    assert imported.id == asset.id
    assert imported.content is not None and imported.content.sha1() == content.sha1()
    assert imported.mime_type == "video/mp4"
    assert len(otmm.requests_to(r"/v6/jobs/\d+")) >= 2  # it polled the job


async def test_check_in_new_version(otmm: OtmmEmulator, dam_client: OtmmClient) -> None:
    f = otmm.fields
    campaign = otmm.create_campaign("C")
    old = otmm.create_asset(campaign, "v.mp4", {f.tracking_id: "K7Q2M"}, size=100, seed=1)
    content = SeededContent(seed=2, size=2 * MiB)

    new = await dam_client.check_in_version(old, "v.mp4", content.size, stream_of(content))

    assert new.version == 2 and new.id != old
    assert new.metadata[f.tracking_id] == "K7Q2M"
    assert [a.version for a in otmm.versions(old)] == [1, 2]
    assert otmm.content_sha1(new.id) == content.sha1()
    assert otmm.asset(old).lock_user is None and otmm.asset(old).checked_out_by is None
    children = await dam_client.folder_children(campaign)
    assert [a.id for a in children.assets] == [new.id]  # only the latest version is listed


async def test_update_asset_metadata_locks_patches_unlocks(
    otmm: OtmmEmulator, dam_client: OtmmClient
) -> None:
    f = otmm.fields
    campaign = otmm.create_campaign("C")
    asset = otmm.create_asset(campaign, "v.mp4", {f.comments: "old"}, size=1)

    await dam_client.update_asset_metadata(asset, {f.approval: "NOT APPROVED", f.comments: None})

    assert otmm.metadata(asset) == {f.approval: "NOT APPROVED"}
    assert otmm.asset(asset).lock_user is None
    actions = [r.path for r in otmm.requests_to(rf"/assets/{asset}")]
    assert actions == [f"/otmmapi/v6/assets/{asset}/state", f"/otmmapi/v6/assets/{asset}",
                       f"/otmmapi/v6/assets/{asset}/state"]  # fmt: skip


async def test_update_folder_status(otmm: OtmmEmulator, dam_client: OtmmClient) -> None:
    f = otmm.fields
    campaign = otmm.create_campaign("C", {f.campaign_status: "A1"})

    await dam_client.update_folder_metadata(campaign, {f.campaign_status: "A2"})

    assert otmm.metadata(campaign)[f.campaign_status] == "A2"
    assert otmm.folder(campaign).lock_user is None
    (patch,) = otmm.patches()
    assert patch[1] == otmm.service_user


async def test_lock_held_by_someone_else(otmm: OtmmEmulator, dam_client: OtmmClient) -> None:
    f = otmm.fields
    campaign = otmm.create_campaign("C", {f.campaign_status: "A5"})
    otmm.lock_as_other_user(campaign, "mrossi")

    with pytest.raises(ConflictError, match="locked by mrossi"):
        await dam_client.update_folder_metadata(campaign, {f.campaign_status: "A6"})

    assert otmm.metadata(campaign)[f.campaign_status] == "A5"
    assert otmm.folder(campaign).lock_user == "mrossi"  # we did not break their lock


async def test_unlock_even_when_patch_fails(otmm: OtmmEmulator, dam_client: OtmmClient) -> None:
    campaign = otmm.create_campaign("C")
    asset = otmm.create_asset(campaign, "v.mp4", size=1)

    with pytest.raises(Exception, match="not in the metadata model"):
        await dam_client.update_asset_metadata(asset, {"NO.SUCH.FIELD": "x"})

    assert otmm.asset(asset).lock_user is None


async def test_tabular_comments_round_trip(otmm: OtmmEmulator, dam_client: OtmmClient) -> None:
    from ferrero_daemon.sandbox.otmm.store import FieldDef

    otmm.define_field(FieldDef("FERRERO.FIELD.MARKETS", "Markets", "FERRERO.FG.ASSET", "tabular"))
    campaign = otmm.create_campaign("C")
    asset = otmm.create_asset(campaign, "v.mp4", size=1)

    await dam_client.update_asset_metadata(asset, {"FERRERO.FIELD.MARKETS": ["IT", "DE"]})

    assert (await dam_client.get_asset(asset)).metadata["FERRERO.FIELD.MARKETS"] == ["IT", "DE"]


async def test_probe(dam_client: OtmmClient) -> None:
    assert "OAuth2 token accepted" in await dam_client.probe()


async def test_import_of_a_short_stream_is_refused(
    otmm: OtmmEmulator, dam_client: OtmmClient
) -> None:
    from ferrero_daemon.errors import InvalidInputError

    campaign = otmm.create_campaign("C")
    with pytest.raises(InvalidInputError, match="ended after 1000 of its announced 2000"):
        await dam_client.import_asset(campaign, "x.mp4", 2000, SeededContent(1, 1000).chunks(), {})
    assert otmm.imported() == []


@pytest.mark.parametrize("name", ["Nutella;;Spot_IT_it_1_J_K7Q2M.mp4", 'a; b; "c"\\d.mp4'])
async def test_a_name_with_semicolons_is_imported_under_that_name(
    otmm: OtmmEmulator, dam_client: OtmmClient, name: str
) -> None:
    campaign = otmm.create_campaign("C")
    content = SeededContent(seed=3, size=1000)

    asset = await dam_client.import_asset(campaign, name, content.size, stream_of(content), {})

    (imported,) = otmm.imported()
    assert asset.name == imported.name == name
    assert imported.content is not None and imported.content.sha1() == content.sha1()
