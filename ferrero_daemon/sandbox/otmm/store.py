"""The OTMM emulator's in-memory model: fields, folders, assets, locks, jobs, users.

Folders and assets share one 40-hex id space, as in OTMM. Metadata is kept per
object as field id → value (a scalar or domain code ``str``, a tabular ``list[str]``);
the field registry knows each field's group and kind, so the wire layer can render
the grouped tree and refuse values of the wrong shape.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from ferrero_daemon.config import DamFields
from ferrero_daemon.sandbox.otmm.content import Content

Kind = Literal["scalar", "domain", "tabular"]
Value = str | list[str]

STATUS_DOMAIN = {
    "A1": "A1 - Masters ready for localisation",
    "A2": "A2 - Masters sent to agency",
    "A3": "A3 - Localised versions in DAM",
    "A4": "A4 - In review",
    "A5": "A5 - Review done",
    "A6": "A6 - Rejections sent to agency",
    "A10": "A10 - Archived",
    "B1": "B1 - Global masters ready",
    "B2": "B2 - Global masters sent",
}
APPROVAL_DOMAIN = {"APPROVED": "Approved", "NOT APPROVED": "Not approved", "PENDING": "Pending"}
SERVICE_USER = "ferrero-automation"


class OtmmError(Exception):
    """An error the emulator answers as ``exception_body``."""

    def __init__(self, status: int, message: str, error_code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code or f"HTTP_{status}"


@dataclass(frozen=True)
class FieldDef:
    id: str
    name: str
    group: str
    kind: Kind = "scalar"
    domain: dict[str, str] = field(default_factory=dict)  # code -> display value

    @property
    def domain_id(self) -> str | None:
        """The lookup domain of a pick-list field (``GET /lookupdomains/{id}``)."""
        return self.id.replace(".FIELD.", ".DOMAIN.") if self.kind == "domain" else None


@dataclass
class Variants:
    """Where this OTMM differs from the defaults: the wire details that are ``[I]`` in
    `ref/otmm-api.md` and that ``[dam.wire]`` and ``check --deep`` exist for.

    - ``page_cap``: the most items a search or listing page returns; with
      ``refuse_large_pages`` a larger ``limit`` is answered 400 instead of capped.
    - ``lock_conflict_status``: the answer to a lock held by someone else (409 or 400).
    - ``checkin_needs_lock``: check-out does not lock, and a check-in is refused until
      the asset is locked too (the v5 flow of ref §7, S7).
    - ``job_state_field``: the member of ``GET /jobs/{id}`` holding the job's state.
    """

    page_cap: int = 200
    refuse_large_pages: bool = False
    lock_conflict_status: int = 409
    checkin_needs_lock: bool = False
    job_state_field: str = "job_state"


CAMPAIGN_MODEL = "FERRERO.MODEL.CAMPAIGN"
ASSET_MODEL = "FERRERO.MODEL.CAMPAIGN_ASSET"
# Metadata model → its field groups (derivatives carry the campaign fields they copy).
MODELS: dict[str, tuple[str, ...]] = {
    CAMPAIGN_MODEL: ("FERRERO.FG.CAMPAIGN",),
    ASSET_MODEL: ("FERRERO.FG.CAMPAIGN", "FERRERO.FG.ASSET", "FERRERO.FG.CREATIVEX"),
}


@dataclass(frozen=True)
class User:
    user_id: str
    login: str
    full_name: str


@dataclass
class Node:
    id: str
    name: str
    parent_id: str | None
    model_id: str
    metadata: dict[str, Value]
    created: dt.datetime
    updated: dt.datetime
    lock_user: str | None = None
    checked_out_by: str | None = None


@dataclass
class Folder(Node):
    container_type_id: str = "FERRERO.FOLDER.CAMPAIGN"


@dataclass
class Asset(Node):
    content: Content | None = None
    mime_type: str = "application/octet-stream"
    version: int = 1
    original_id: str = ""
    latest: bool = True
    import_job_id: int = 0


@dataclass
class Job:
    """An import or check-in: it completes after ``polls_left`` status polls."""

    id: str
    name: str
    polls_left: int
    asset_ids: list[str] = field(default_factory=list)
    failure: str | None = None
    on_complete: Callable[[], list[str]] | None = None
    doomed: str | None = None  # the failure this job will end with (fault injection)
    staged: list[tuple[str, str, Content]] = field(default_factory=list)  # name, mime, bytes

    @property
    def state(self) -> str:
        if self.failure:
            return "FAILED"
        if self.on_complete is not None or self.polls_left > 0:
            return "RUNNING"
        return "COMPLETED"

    def poll(self) -> str:
        if self.on_complete is None:
            return self.state
        self.polls_left = max(0, self.polls_left - 1)
        if self.polls_left == 0:
            finish, self.on_complete = self.on_complete, None
            if self.doomed is not None:
                self.failure = self.doomed
                return self.state
            try:
                self.asset_ids = finish()
            except OtmmError as exc:
                self.failure = exc.message
        return self.state


def default_fields(fields: DamFields) -> list[FieldDef]:
    camp, asset, cx = "FERRERO.FG.CAMPAIGN", "FERRERO.FG.ASSET", "FERRERO.FG.CREATIVEX"
    comments: Kind = "tabular" if fields.comments_tabular else "scalar"
    return [
        FieldDef(fields.campaign_status, "Campaign Status", camp, "domain", STATUS_DOMAIN),
        FieldDef(fields.campaign_type, "Campaign Type", camp),
        FieldDef(fields.campaign_number, "Campaign Number", camp),
        FieldDef(fields.campaign_name, "Campaign Name", camp),
        FieldDef(fields.brand, "Brand", camp),
        FieldDef(fields.market, "Market", camp),
        FieldDef(fields.asset_role, "Asset Role", asset),
        FieldDef(fields.approval, "Approval Status", asset, "domain", APPROVAL_DOMAIN),
        FieldDef(fields.comments, "Review Comments", asset, comments),
        FieldDef(fields.tracking_id, "Tracking ID", asset),
        FieldDef(fields.country, "Country", asset),
        FieldDef(fields.language, "Language", asset),
        FieldDef(fields.job_number, "Job Number", asset),
        FieldDef(fields.creativex_score, "CreativeX Score", cx),
        FieldDef(fields.creativex_status, "CreativeX Status", cx),
        FieldDef(fields.creativex_guidelines, "CreativeX Guidelines", cx),
    ]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class Store:
    """Every folder, asset, lock and job of one emulated OTMM."""

    def __init__(self, fields: list[FieldDef], job_polls: int = 2) -> None:
        self.fields: dict[str, FieldDef] = {f.id: f for f in fields}
        self.models: dict[str, tuple[str, ...]] = dict(MODELS)
        self.variants = Variants()
        self.nodes: dict[str, Node] = {}
        self.jobs: dict[str, Job] = {}
        self.job_polls = job_polls
        self.job_failures: list[str] = []  # the next jobs end FAILED with these reasons
        self.users: dict[str, User] = {}
        self._ids = itertools.count(1)
        self._job_ids = itertools.count(817429)
        self.root = self.add_folder(None, "Ferrero DAM", {}, container_type="ARTESIA.PUBLIC.TREEN")
        self.add_user(SERVICE_USER, "Ferrero Automation")

    # -- users --------------------------------------------------------------
    def add_user(self, login: str, full_name: str = "") -> User:
        user = User(str(1000 + len(self.users) + 1), login, full_name or login)
        self.users[login] = user
        return user

    def user(self, login: str) -> User:
        return self.users.get(login) or self.add_user(login)

    # -- creation -----------------------------------------------------------
    def new_id(self) -> str:
        return hashlib.sha1(
            f"otmm-object-{next(self._ids)}".encode(), usedforsecurity=False
        ).hexdigest()

    def add_folder(
        self,
        parent_id: str | None,
        name: str,
        metadata: dict[str, Value],
        *,
        container_type: str = "FERRERO.FOLDER.CAMPAIGN",
        model_id: str = CAMPAIGN_MODEL,
    ) -> Folder:
        if parent_id is not None:
            self.folder(parent_id)
        self.check_values(metadata)
        now = _now()
        folder = Folder(
            self.new_id(), name, parent_id, model_id, dict(metadata), now, now,
            container_type_id=container_type,
        )  # fmt: skip
        self.nodes[folder.id] = folder
        return folder

    def add_asset(
        self,
        parent_id: str,
        name: str,
        metadata: dict[str, Value],
        content: Content | None,
        *,
        mime_type: str = "application/octet-stream",
        model_id: str = ASSET_MODEL,
        import_job_id: int = 0,
    ) -> Asset:
        self.folder(parent_id)
        self.check_values(metadata)
        now = _now()
        asset_id = self.new_id()
        asset = Asset(
            asset_id, name, parent_id, model_id, dict(metadata), now, now,
            content=content, mime_type=mime_type, original_id=asset_id,
            import_job_id=import_job_id,
        )  # fmt: skip
        self.nodes[asset.id] = asset
        return asset

    def add_version(self, previous: Asset, name: str, content: Content, job_id: int) -> Asset:
        """A checked-in version: a new id, same original id, previous one no longer latest."""
        asset = self.add_asset(
            previous.parent_id or self.root.id, name, dict(previous.metadata), content,
            mime_type=previous.mime_type, model_id=previous.model_id, import_job_id=job_id,
        )  # fmt: skip
        asset.original_id = previous.original_id
        asset.version = previous.version + 1
        previous.latest = False
        previous.checked_out_by = previous.lock_user = None
        return asset

    def completed_import(self, asset: Asset) -> Job:
        """The finished import job a seeded asset came from, as every OTMM asset has one."""
        job = Job(str(next(self._job_ids)), "Import", 0, asset_ids=[asset.id])
        self.jobs[job.id] = job
        asset.import_job_id = int(job.id)
        return job

    def new_job(self, name: str) -> Job:
        job = Job(str(next(self._job_ids)), name, self.job_polls)
        if self.job_failures:
            job.doomed = self.job_failures.pop(0)
        self.jobs[job.id] = job
        return job

    # -- lookup -------------------------------------------------------------
    def node(self, node_id: str) -> Node:
        node = self.nodes.get(node_id)
        if node is None:
            raise OtmmError(404, "Either the asset does not exist or you do not have permission.")
        return node

    def folder(self, folder_id: str) -> Folder:
        node = self.nodes.get(folder_id)
        if not isinstance(node, Folder):
            raise OtmmError(404, f"Folder {folder_id} does not exist.", "FOLDER_NOT_FOUND")
        return node

    def asset(self, asset_id: str) -> Asset:
        node = self.nodes.get(asset_id)
        if not isinstance(node, Asset):
            raise OtmmError(404, "Asset doesn't exist.", "ASSET_NOT_FOUND")
        return node

    def job(self, job_id: str) -> Job:
        if job_id not in self.jobs:
            raise OtmmError(404, f"Job {job_id} does not exist.", "JOB_NOT_FOUND")
        return self.jobs[job_id]

    def children(self, folder_id: str) -> list[Node]:
        self.folder(folder_id)
        return [
            n
            for n in self.nodes.values()
            if n.parent_id == folder_id and not (isinstance(n, Asset) and not n.latest)
        ]

    def ancestors(self, node: Node) -> Iterator[str]:
        parent = node.parent_id
        while parent is not None:
            yield parent
            parent = self.nodes[parent].parent_id

    # -- locks and edits ----------------------------------------------------
    def lock(self, node: Node, login: str) -> None:
        if node.lock_user not in (None, login):
            holder = self.user(node.lock_user or "")
            raise OtmmError(
                self.variants.lock_conflict_status,
                f"Could not lock this asset. It is locked by {holder.full_name}.",
                "LOCKED",
            )
        node.lock_user = login

    def unlock(self, node: Node, login: str) -> None:
        if node.lock_user not in (None, login):
            raise OtmmError(
                self.variants.lock_conflict_status,
                "Could not unlock this asset: locked by another user.",
                "LOCKED",
            )
        node.lock_user = None

    def check_out(self, node: Node, login: str) -> None:
        if node.checked_out_by not in (None, login):
            raise OtmmError(
                self.variants.lock_conflict_status,
                "The asset is checked out by another user.",
                "CHECKED_OUT",
            )
        if not self.variants.checkin_needs_lock:  # this OTMM locks on check-out
            self.lock(node, login)
        node.checked_out_by = login

    def undo_check_out(self, node: Node, login: str) -> None:
        if node.checked_out_by not in (None, login):
            raise OtmmError(
                self.variants.lock_conflict_status,
                "The asset is checked out by another user.",
                "CHECKED_OUT",
            )
        node.checked_out_by = None
        self.unlock(node, login)

    def patch(self, node: Node, login: str, values: dict[str, Value | None]) -> None:
        if node.lock_user != login:
            raise OtmmError(
                409 if node.lock_user else 400,
                "The asset must be locked by you before its metadata can be edited.",
                "NOT_LOCKED",
            )
        self.check_values({k: v for k, v in values.items() if v is not None})
        for field_id, value in values.items():
            if value is None or value == []:
                node.metadata.pop(field_id, None)
            else:
                node.metadata[field_id] = value
        node.updated = _now()

    def check_values(self, values: dict[str, Value]) -> None:
        for field_id, value in values.items():
            definition = self.fields.get(field_id)
            if definition is None:
                raise OtmmError(400, f"Metadata field {field_id} is not in the metadata model.")
            if (definition.kind == "tabular") != isinstance(value, list):
                raise OtmmError(
                    400, f"Metadata field {field_id} is {definition.kind}; wrong value shape."
                )
            if definition.kind == "domain" and value not in definition.domain:
                raise OtmmError(400, f"Value {value!r} is not in the domain of {field_id}.")
