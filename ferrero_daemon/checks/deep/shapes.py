"""Probe: the OTMM paths the daemon writes to exist, and the answers it parses have the
shape it expects, as far as reading can show it.

- The write paths (import, check-out/check-in, state, PATCH) are asked with ``OPTIONS``:
  a 200 or a 405 that lists the method confirms the path and the verb without
  touching anything; a 404 refutes it.
- The import job's state: ``GET /jobs/{id}`` of a job that really ran (a sample asset's
  ``import_job_id``) shows which member holds the state (``[dam.wire] job_state_field``);
  ``GET /jobs/{id}/assets`` the list the client waits for.
- A sample asset's JSON has what the client reads (id, name, version, size, type).
- What only a write can show is a "?" with the steps to try by hand: the status OTMM
  answers for a lock held by someone else, whether a check-in needs a lock, and
  whether a pick-list takes a plain string.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ferrero_daemon.checks.deep.context import DeepContext, SampleAsset
from ferrero_daemon.checks.deep.findings import Finding, fail, ok, unknown
from ferrero_daemon.clients.otmm import wire
from ferrero_daemon.clients.otmm.inspect import Answer
from ferrero_daemon.config import DamWire

KNOWN_STATES = frozenset(
    {"RUNNING", "COMPLETED", "FAILED", "ERROR", "CANCELLED", "ABORTED", "PENDING", "QUEUED",
     "SUCCESS", "SUCCEEDED", "IN_PROGRESS", "DONE", "NEW", "SCHEDULED", "COMPLETED_WITH_ERRORS"}
)  # fmt: skip


async def probe(ctx: DeepContext) -> list[Finding]:
    sample = await ctx.sample_asset()
    found = [await _paths(ctx, sample)]
    found.append(await _job(ctx, sample))
    found.append(judge_asset(sample))
    found += by_hand(ctx.settings.dam.wire, sample)
    return found


def write_paths(sample: SampleAsset | None, job_id: str) -> list[tuple[str, str]]:
    asset = sample.id if sample else "0"
    folder = sample.folder_id if sample else "0"
    return [
        ("POST", "/assets"),  # import (A2→A3)
        ("PUT", f"/assets/{asset}/state"),  # lock, unlock, check-out
        ("PATCH", f"/assets/{asset}"),  # derivative metadata
        ("PATCH", f"/folders/{folder}"),  # the campaign's status
        ("POST", "/jobs/imports"),  # a new version: stage …
        ("POST", "/renditions"),  # … its content …
        ("PUT", f"/jobs/checkins/{job_id}"),  # … and check it in
    ]


async def _paths(ctx: DeepContext, sample: SampleAsset | None) -> Finding:
    job_id = str((sample.raw if sample else {}).get("import_job_id") or "0")
    answers = {
        (method, path): await ctx.otmm().ask("OPTIONS", path)
        for method, path in write_paths(sample, job_id)
    }
    return judge_paths(answers)


def judge_paths(answers: Mapping[tuple[str, str], Answer]) -> Finding:
    name = "DAM write paths"
    assumed = "import, state, PATCH, check-in paths of ref §7-8 (v6) take their verbs"
    refuted, unconfirmed = [], []
    for (method, path), answer in answers.items():
        if answer.status == 404 or (answer.allow and method not in answer.allow):
            refuted.append(
                f"{method} {path} ({answer.status}, allows {'/'.join(sorted(answer.allow)) or '-'})"
            )
        elif not answer.allow:
            unconfirmed.append(f"{method} {path}")
    if refuted:
        return fail(
            name, assumed, f"not served: {'; '.join(refuted)}",
            "this OTMM's paths differ from v6: compare with its Swagger (/otmmapi/)",
        )  # fmt: skip
    if unconfirmed:
        return unknown(
            name, assumed, f"OPTIONS does not say for {', '.join(unconfirmed)}",
            "open OTMM's Swagger (https://<host>/otmmapi/) and look for these paths",
        )  # fmt: skip
    return ok(name, assumed, f"all {len(answers)} confirmed by OPTIONS (Allow)")


async def _job(ctx: DeepContext, sample: SampleAsset | None) -> Finding:
    configured = ctx.settings.dam.wire.job_state_field
    job_id = str((sample.raw if sample else {}).get("import_job_id") or "")
    if sample is None or job_id in ("", "0"):
        return judge_job(configured, job_id, None, None)
    job = await ctx.otmm().ask("GET", f"/jobs/{job_id}")
    assets = await ctx.otmm().ask("GET", f"/jobs/{job_id}/assets")
    return judge_job(configured, job_id, job, assets)


def judge_job(configured: str, job_id: str, job: Answer | None, assets: Answer | None) -> Finding:
    """Which member of ``GET /jobs/{id}`` holds the state, against the setting. Pure."""
    name = "DAM import job state"
    assumed = f"GET /jobs/{{id}} holds the state in job_resource.job.{configured}"
    if job is None or assets is None:
        return unknown(
            name, assumed, "no asset with an import job was found to read one from",
            "pass --campaign with a campaign that has assets, or after the next import "
            "GET /otmmapi/v6/jobs/<import_job_id> by hand and look for the state",
        )  # fmt: skip
    if job.status == 404:
        return unknown(
            name, assumed, f"job {job_id} is gone (OTMM may purge finished jobs)",
            f"during the next import, GET /otmmapi/v6/jobs/<its id> and find the state member; "
            f"[dam.wire] job_state_field is {configured!r}",
        )  # fmt: skip
    body = ((job.body or {}).get("job_resource") or {}).get("job") if job.ok else None
    if not isinstance(body, Mapping):
        return fail(
            name, assumed, f"job {job_id} answered HTTP {job.status} without job_resource.job",
            "compare GET /jobs/{id} with ref/otmm-api.md §7 and report it",
        )  # fmt: skip
    return _job_state(configured, job_id, body, assets)


def _job_state(configured: str, job_id: str, body: Mapping[str, Any], assets: Answer) -> Finding:
    name = "DAM import job state"
    assumed = f"GET /jobs/{{id}} holds the state in job_resource.job.{configured}"
    state = wire.job_state(body, configured)
    listing = ((assets.body or {}).get("assets_resource") or {}).get("asset_list")
    if not isinstance(listing, list):
        return fail(
            name, assumed, f"GET /jobs/{job_id}/assets has no assets_resource.asset_list",
            "the client waits for the imported asset in that list; report the shape seen",
        )  # fmt: skip
    if state:
        seen = f"job {job_id}: {configured}={state}; its assets list {len(listing)}"
        return ok(name, assumed, seen)
    candidates = [k for k, v in body.items() if isinstance(v, str) and v.upper() in KNOWN_STATES]
    if candidates:
        return fail(
            name, assumed, f"job {job_id} has no {configured}; {candidates[0]}={body[candidates[0]]}",
            "without it a failed import goes unnoticed until the job timeout",
            {"job_state_field": candidates[0]},
        )  # fmt: skip
    return fail(
        name, assumed, f"job {job_id} carries no state ({', '.join(sorted(body))})",
        "find the state member of this OTMM's jobs and set [dam.wire] job_state_field",
    )  # fmt: skip


def judge_asset(sample: SampleAsset | None) -> Finding:
    name = "DAM asset shape"
    assumed = "an asset names its id, name, version, size and MIME type (ref §5)"
    if sample is None:
        return unknown(
            name, assumed, "no asset found", "pass --campaign with a campaign that has assets"
        )
    raw = sample.raw
    missing = [k for k in ("asset_id", "name") if not raw.get(k)]
    if "content_size" not in raw and "content_size" not in (raw.get("master_content_info") or {}):
        missing.append("content_size")
    if not (raw.get("mime_type") or (raw.get("master_content_info") or {}).get("mime_type")):
        missing.append("mime_type")
    if missing:
        return fail(
            name, assumed, f"asset {sample.id} lacks {', '.join(missing)}",
            "the client cannot size or type a download: report the asset JSON",
        )  # fmt: skip
    parent = (
        "names its folder" if raw.get("parent_folder_id") else "no parent_folder_id (not needed)"
    )
    return ok(name, assumed, f"asset {sample.id}: version {raw.get('version', 1)}, {parent}")


def by_hand(w: DamWire, sample: SampleAsset | None) -> list[Finding]:
    """What only a write would show: each a "?" with the steps and the setting."""
    asset = sample.id if sample else "<asset id>"
    lock_state = (
        "" if sample is None else f"; asset {asset} shows locked={sample.raw.get('locked')}"
    )
    return [
        unknown(
            "DAM lock contention",
            f"a lock held by someone else is answered {'/'.join(map(str, w.lock_conflict_statuses))}",
            "cannot be seen without locking" + lock_state,
            "lock a test asset in OTMM's UI as another user, then PUT /otmmapi/v6/assets/"
            "<id>/state action=lock as the daemon: put the status it answers in "
            "[dam.wire] lock_conflict_statuses",
        ),
        unknown(
            "DAM check-in flow",
            f"checkin_flow = {w.checkin_flow!r}: check out"
            + (", lock" if w.checkin_flow == "checkout_lock" else "")
            + ", stage, PUT /jobs/checkins/{job}",
            "cannot be tried without checking in a version",
            "on a test asset: check out, POST /jobs/imports, POST /renditions, PUT "
            "/jobs/checkins/<job>; if OTMM refuses until the asset is locked, set "
            '[dam.wire] checkin_flow = "checkout_lock"',
        ),
        unknown(
            "DAM pick-list write form",
            f"domain_value_form = {w.domain_value_form!r} for {', '.join(w.domain_fields)}",
            "cannot be tried without writing a value",
            "PATCH a test folder's status field as a plain string; if OTMM refuses it, set "
            '[dam.wire] domain_value_form = "domain_value"',
        ),
    ]
