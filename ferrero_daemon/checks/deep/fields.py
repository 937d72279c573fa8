"""Probe: every ``[dam.fields]`` id exists in OTMM's metadata model, with the shape we
write, and its pick-list (if it has one) holds the values the workflows use.

The models read are the import model (``dam.metadata_model_id``) and those of the
campaign folders found (``--campaign`` and the first of each searched status). One line
per field, then one for the import model: every field A2→A3 writes on a new derivative
must be in it, or OTMM refuses the import.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ferrero_daemon.checks.deep.context import DeepContext
from ferrero_daemon.checks.deep.findings import Finding, fail, ok, unknown
from ferrero_daemon.checks.deep.vocabulary import SPELLINGS, Expectation, expectations
from ferrero_daemon.clients.otmm.model import FieldSpec
from ferrero_daemon.config import DamConfig
from ferrero_daemon.domain.campaigns import same_code

Domains = Mapping[str, tuple[str, ...] | None]  # domain id -> its codes (None: unreadable)
MODEL_PATH = "GET /metadatamodels/{id}"


async def probe(ctx: DeepContext) -> list[Finding]:
    dam = ctx.settings.dam
    models = sorted({dam.metadata_model_id} | await ctx.campaign_models())
    specs: dict[str, FieldSpec] = {}
    unread: list[str] = []
    for model_id in models:
        answer, fields = await ctx.otmm().metadata_model(model_id)
        if not answer.ok:
            unread.append(f"{model_id} (HTTP {answer.status})")
        for spec in fields:
            specs.setdefault(spec.id, spec)
    if not specs:
        return [unreadable(models, unread)]
    domains = await _domains(ctx, specs.values())
    found = [judge(e, specs.get(e.field_id), domains, models) for e in expectations(ctx.settings)]
    import_fields = [s for s in specs.values() if s.model_id == dam.metadata_model_id]
    found.append(judge_import_model(dam, {s.id for s in import_fields}, bool(import_fields)))
    return found


async def _domains(
    ctx: DeepContext, specs: Iterable[FieldSpec]
) -> dict[str, tuple[str, ...] | None]:
    found: dict[str, tuple[str, ...] | None] = {}
    for spec in specs:
        if spec.kind != "domain" or spec.domain_id is None or spec.domain_id in found:
            continue
        if spec.values is not None:
            found[spec.domain_id] = spec.values
            continue
        _answer, codes = await ctx.otmm().lookup_domain(spec.domain_id)
        found[spec.domain_id] = codes
    return found


def unreadable(models: Sequence[str], unread: Sequence[str]) -> Finding:
    return unknown(
        "DAM metadata model",
        f"{MODEL_PATH} lists the fields of {', '.join(models)}",
        f"no model could be read: {', '.join(unread) or 'no model found'}",
        "open each model in OTMM's Metadata Editor and compare every [dam.fields] id, its "
        "type and its pick-list with config.toml",
    )


def _probe_name(e: Expectation) -> str:
    return f"DAM field {e.key}"


def _assumed(e: Expectation) -> str:
    shape = "a tabular field" if e.shape == "tabular" else "one value"
    holds = f", a pick-list (if one) holding {' '.join(e.values)}" if e.values else ""
    return f"{e.field_id} exists, {shape}{holds}"


def judge(
    e: Expectation, spec: FieldSpec | None, domains: Domains, models: Sequence[str]
) -> Finding:
    """The verdict on one configured field, from its definition and pick-list. Pure."""
    name, assumed = _probe_name(e), _assumed(e)
    if spec is None:
        return fail(
            name, assumed, f"not in the metadata model(s) {', '.join(models)}",
            f"ask Ferrero IT for the field's id and set [dam.fields] {e.key}",
        )  # fmt: skip
    shape_problem = _shape(e, spec)
    if shape_problem:
        return fail(name, assumed, shape_problem[0], shape_problem[1])
    if spec.kind != "domain":
        seen = "a tabular field" if spec.kind == "tabular" else "a text field (no pick-list)"
        return ok(name, assumed, f"{seen} in {spec.model_id}")
    return _pick_list(e, spec, domains)


def _shape(e: Expectation, spec: FieldSpec) -> tuple[str, str] | None:
    tabular = spec.kind == "tabular"
    if e.shape == "tabular" and not tabular:
        return f"a {spec.kind} field, not tabular", "set [dam.fields] comments_tabular = false"
    if e.shape == "single" and tabular:
        fix = (
            "set [dam.fields] comments_tabular = true"
            if e.key == "comments"
            else f"the daemon reads and writes one value: point [dam.fields] {e.key} at a "
            "single-valued field"
        )
        return "a tabular field", fix
    return None


def _pick_list(e: Expectation, spec: FieldSpec, domains: Domains) -> Finding:
    name, assumed = _probe_name(e), _assumed(e)
    codes = domains.get(spec.domain_id or "")
    where = f"pick-list {spec.domain_id or '(inline)'}"
    if codes is None:
        return unknown(
            name, assumed, f"{where} could not be read (GET /lookupdomains/{spec.domain_id})",
            f"open the pick-list in OTMM and check it holds {' '.join(e.values) or e.free}",
        )  # fmt: skip
    missing = [v for v in e.values if not any(same_code(v, c) for c in codes)]
    if missing:
        return fail(
            name, assumed, f"{where} with {len(codes)} values lacks {', '.join(missing)}",
            f"add {', '.join(missing)} to the pick-list in OTMM, or set OTMM's spelling in "
            f"{SPELLINGS.get(e.key, 'config.toml')}",
        )  # fmt: skip
    if e.free:
        return unknown(
            name, assumed, f"{where} with {len(codes)} values"
            + (f", holding {' '.join(e.values)}" if e.values else ""),
            f"the daemon also writes {e.free} into it: check the pick-list accepts them",
        )  # fmt: skip
    return ok(name, assumed, f"{where} with {len(codes)} values, holding {' '.join(e.values)}")


def import_field_ids(dam: DamConfig) -> list[str]:
    """Every field A2→A3 writes when it imports a derivative (``derivative_metadata``)."""
    f = dam.fields
    written = [
        *dam.derivative_field_map.values(),
        f.asset_role, f.country, f.language, f.job_number, f.tracking_id,
        f.creativex_score, f.creativex_status, f.creativex_guidelines,
    ]  # fmt: skip
    return list(dict.fromkeys(written))


def judge_import_model(dam: DamConfig, model_fields: set[str], readable: bool) -> Finding:
    name = "DAM import model"
    assumed = f"{dam.metadata_model_id} holds every field A2→A3 writes on a derivative"
    if not readable:
        return unknown(
            name, assumed, f"{dam.metadata_model_id} could not be read ({MODEL_PATH})",
            "check in OTMM's Metadata Editor that the model holds "
            + ", ".join(import_field_ids(dam)),
        )  # fmt: skip
    missing = [i for i in import_field_ids(dam) if i not in model_fields]
    if missing:
        return fail(
            name, assumed, f"it lacks {', '.join(missing)}",
            "add the fields to the model in OTMM, or set dam.metadata_model_id to the model "
            "derivatives use",
        )  # fmt: skip
    return ok(name, assumed, f"all {len(import_field_ids(dam))} fields are in it")
