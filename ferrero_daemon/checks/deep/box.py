"""Probe: in each of the four Box folders the service account may do what the workflows do.

Per folder, one line: the account's role there (owner, or its collaboration role)
and the permissions Box computes for it allow upload, move, description and delete;
and a preflight (``OPTIONS /files/content``, which creates nothing) of a name such
as that workflow writes is accepted. For the two watched folders (A2→A3, CreativeX)
one more: the ``_needs_attention`` folder exists, or the account may create it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ferrero_daemon.checks.deep.context import DeepContext
from ferrero_daemon.checks.deep.findings import Finding, fail, ok, unknown
from ferrero_daemon.clients.box.access import RIGHTS, FolderAccess, Preflight
from ferrero_daemon.domain import tracking_id
from ferrero_daemon.domain.box_names import master_file_name
from ferrero_daemon.domain.values import BoxItem

WATCHED = ("a2_a3", "creativex")  # where unreadable files are set aside
MB = 2**20


def sample_name(key: str, tid: str) -> tuple[str, int]:
    """A file name as the workflow of that folder writes it, and a typical size."""
    agency = f"Brand_IT_it_1001_OMG999_{tid}"
    return {
        "a1_a2": (master_file_name("Sample Master.mp4", tid), 50 * MB),
        "b1_b2": (master_file_name("Sample Master.mp4", tid, "MASTERS_"), 50 * MB),
        "a2_a3": (f"{agency}.mp4", 50 * MB),
        "creativex": (f"{agency}_scorecard.pdf", MB),
    }[key]


async def probe(ctx: DeepContext) -> list[Finding]:
    inspector = ctx.box_inspector()
    me = await inspector.me()
    me_id = str(me.get("id", ""))
    found: list[Finding] = []
    tid = tracking_id.mint()
    for key, folder_id in ctx.settings.box.folders.model_dump().items():
        access = await inspector.folder_access(folder_id, me_id)
        name, size = sample_name(key, tid)
        preflight = await inspector.preflight(folder_id, name, size)
        found.append(judge_folder(key, access, name, preflight))
        if key in WATCHED:
            items = await ctx.box().list_folder(folder_id)
            found.append(
                judge_attention(key, access, items, ctx.settings.box.needs_attention_folder)
            )
    return found


def _role(access: FolderAccess) -> str:
    return f"role {access.role!r}" if access.role else "a role Box does not name (inherited?)"


def judge_folder(key: str, access: FolderAccess, name: str, preflight: Preflight) -> Finding:
    """Rights and preflight of one folder, against what the workflows do there. Pure."""
    probe_name = f"Box folder {key}"
    assumed = f"upload, move, description and delete allowed; an upload of {name!r} accepted"
    allowed = {right: access.allows(right) for right in RIGHTS}
    denied = [r for r, v in allowed.items() if v is False]
    unclear = [r for r, v in allowed.items() if v is None]
    where = f"{access.name!r} ({access.folder_id}): {_role(access)}"
    if denied or not preflight.accepted:
        refused = f"; preflight refused ({preflight.status} {preflight.code})".rstrip()
        seen = where + (f" denies {', '.join(denied)}" if denied else "")
        seen += "" if preflight.accepted else refused
        return fail(
            probe_name, assumed, seen,
            "make the app's service account an Editor (or Co-owner) of the folder "
            "in Box's sharing settings",
        )  # fmt: skip
    if unclear:
        return unknown(
            probe_name, assumed, f"{where}; Box does not say whether it allows {', '.join(unclear)}",
            "check in Box that the service account is an Editor of the folder",
        )  # fmt: skip
    return ok(probe_name, assumed, f"{where}, all four allowed; preflight accepted")


def judge_attention(
    key: str, access: FolderAccess, items: Sequence[BoxItem], folder_name: str
) -> Finding:
    probe_name = f"Box {folder_name} in {key}"
    assumed = f"{folder_name!r} exists in {access.name!r}, or may be created there"
    existing = next((i for i in items if i.name.casefold() == folder_name.casefold()), None)
    if existing is not None and existing.type == "folder":
        return ok(probe_name, assumed, f"exists ({existing.id})")
    if existing is not None:
        return fail(
            probe_name, assumed, f"a file named {existing.name!r} is in its place",
            "rename or remove that file in Box, or set box.needs_attention_folder",
        )  # fmt: skip
    if access.allows("upload"):
        return ok(probe_name, assumed, "absent; the role allows creating it on first use")
    return fail(
        probe_name, assumed, "absent, and the role does not allow creating folders",
        f"create {folder_name!r} in the folder by hand, or make the service account an Editor",
    )  # fmt: skip
