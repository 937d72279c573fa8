"""Probe: the searches the workflows run (A1, B1, A5 as ``[dam.statuses]`` spells them)
find their campaign folders.

What the client assumes of ``POST /search/text`` (`ref/otmm-api.md` §3): a page of
``[dam.wire] page_size`` is served (or capped, never refused), ``after += hit_count``
walks every hit, CONTAINS also matches neighbours (``A1`` finds ``A10``) that the exact
comparison then drops, and each folder comes with the metadata the workflows read.
One line for the page size, one per status, one for paging past the first page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ferrero_daemon.checks.deep.context import DeepContext
from ferrero_daemon.checks.deep.findings import Finding, fail, ok, unknown
from ferrero_daemon.clients.otmm import wire
from ferrero_daemon.clients.otmm.inspect import Answer
from ferrero_daemon.domain.campaigns import read_campaign, same_code, scalar
from ferrero_daemon.domain.values import DamFolder
from ferrero_daemon.errors import FerreroError

SMALLER = (200, 100, 50, 25, 10, 5, 1)


@dataclass
class Walk:
    """Every page of one search, as the client would walk it."""

    total: int = 0
    ids: list[str] = field(default_factory=list)
    folders: list[DamFolder] = field(default_factory=list)
    pages: int = 0
    largest_page: int = 0
    error: str = ""


async def probe(ctx: DeepContext) -> list[Finding]:
    limit = ctx.settings.dam.wire.page_size
    status = ctx.settings.dam.fields.campaign_status
    first = await ctx.otmm().search({status: ctx.searched_statuses[0]}, 0, limit)
    findings: list[Finding] = []
    if not first.ok:
        working = await _working_limit(ctx, limit)
        findings.append(page_refused(limit, first, working))
        if working is None:
            return findings
        limit = working
    walks = {code: await walk(ctx, {status: code}, limit) for code in ctx.searched_statuses}
    if first.ok:
        findings.append(judge_page_size(limit, walks.values()))
    findings += [judge_status(ctx, code, w) for code, w in walks.items()]
    findings.append(await _paging(ctx, walks, limit))
    return findings


async def _working_limit(ctx: DeepContext, refused: int) -> int | None:
    status = ctx.settings.dam.fields.campaign_status
    for limit in (n for n in SMALLER if n < refused):
        if (await ctx.otmm().search({status: ctx.searched_statuses[0]}, 0, limit)).ok:
            return limit
    return None


async def walk(ctx: DeepContext, conditions: dict[str, str], limit: int) -> Walk:
    found = Walk()
    after = 0
    while found.pages < 1000:
        answer = await ctx.otmm().search(conditions, after, limit)
        if not answer.ok:
            found.error = f"page at {after} answered HTTP {answer.status}: {answer.message}"
            return found
        try:
            page = wire.search_page(answer.body)
        except FerreroError as exc:
            found.error = str(exc)
            return found
        found.total, found.pages = page.total, found.pages + 1
        found.largest_page = max(found.largest_page, page.hits)
        found.ids += page.ids
        found.folders += page.folders
        after += page.hits
        if page.hits == 0 or after >= page.total:
            return found
    found.error = "more than 1000 pages"
    return found


def page_refused(limit: int, answer: Answer, working: int | None) -> Finding:
    name, assumed = "DAM search page size", f"a search page of {limit} is served or capped"
    seen = f"limit={limit} refused: HTTP {answer.status} {answer.message}".strip()
    if working is None:
        return fail(name, assumed, seen + "; smaller pages too", "check the search by hand")
    return fail(
        name, assumed, f"{seen}; limit={working} is served",
        "set the page size this OTMM accepts in [dam.wire] (the daemon's searches and "
        "folder listings fail until then)",
        {"page_size": working},
    )  # fmt: skip


def judge_page_size(limit: int, walks: Iterable[Walk]) -> Finding:
    name, assumed = "DAM search page size", f"a search page of {limit} is served or capped"
    found = list(walks)
    capped = [w.largest_page for w in found if w.largest_page < min(limit, w.total)]
    if capped:
        cap = min(capped)
        return ok(name, assumed, f"OTMM caps pages at {cap}; the client pages on past it")
    biggest = max((w.largest_page for w in found), default=0)
    return ok(name, assumed, f"served (largest page {biggest} of at most {limit})")


def judge_status(ctx: DeepContext, code: str, found: Walk) -> Finding:
    f = ctx.settings.dam.fields
    read = [f.campaign_status, f.campaign_type, f.campaign_number, f.campaign_name, f.brand]
    read.append(f.market)
    name = f"DAM search {code}"
    assumed = (
        f"folders at {code} are found (CONTAINS, then exact) with the fields the workflows read"
    )
    if found.error:
        return fail(name, assumed, found.error, "run the search by hand; see the error")
    exact, neighbours, other = _split(found.folders, f.campaign_status, code)
    seen = f"returned {found.total}"
    if neighbours:
        codes = sorted({_status(x, f.campaign_status) for x in neighbours})
        verb = "was" if len(neighbours) == 1 else "were"
        seen += f", of which {len(neighbours)} {verb} {'/'.join(codes)}, filtered"
    # A folder found by its status that does not carry the status field came without
    # its metadata: the workflow would filter every campaign out, silently.
    lacking = _lacking([*exact, *other], read)
    if lacking:
        return fail(
            name, assumed, f"{seen}; {lacking}",
            "the search answered without the folders' metadata (load_type=metadata); "
            "check the field ids and the search configuration",
        )  # fmt: skip
    unusable = _unusable(ctx, exact)
    if unusable:
        return fail(name, assumed, f"{seen}; {unusable}", "fix the campaign's fields in OTMM")
    if not exact:
        return ok(name, assumed, f"{seen}; no campaign at {code} now, nothing more to read")
    return ok(name, assumed, f"{seen}; {len(exact)} at {code}, every one readable")


def _status(folder: DamFolder, field_id: str) -> str:
    try:
        return scalar(folder.metadata, field_id, "") or "(empty)"
    except FerreroError:
        return "(several)"


def _split(
    folders: Sequence[DamFolder], field_id: str, code: str
) -> tuple[list[DamFolder], list[DamFolder], list[DamFolder]]:
    exact, neighbours, other = [], [], []
    for folder in folders:
        if field_id not in folder.metadata:
            other.append(folder)
        elif same_code(_status(folder, field_id), code):
            exact.append(folder)
        else:
            neighbours.append(folder)
    return exact, neighbours, other


def _lacking(folders: Sequence[DamFolder], fields: Sequence[str]) -> str:
    missing = sorted({i for folder in folders for i in fields if i not in folder.metadata})
    return f"folders come without {', '.join(missing)}" if missing else ""


def _unusable(ctx: DeepContext, folders: Sequence[DamFolder]) -> str:
    for folder in folders:
        try:
            read_campaign(folder, ctx.settings.dam.fields)
        except FerreroError as exc:
            return str(exc)
    return ""


async def _paging(ctx: DeepContext, walks: dict[str, Walk], limit: int) -> Finding:
    name = "DAM search paging"
    assumed = "after += hit_count walks every hit exactly once"
    code, most = max(walks.items(), key=lambda item: item[1].total)
    if most.total < 2 or most.error:
        return unknown(
            name, assumed, f"at most {most.total} hit(s) per status: one page shows nothing",
            "run `check --deep` again when a status has two campaigns or more",
        )  # fmt: skip
    small = max(1, min(limit, most.total) // 2)
    status = ctx.settings.dam.fields.campaign_status
    paged = await walk(ctx, {status: code}, small)
    return judge_paging(code, most, paged, small)


def judge_paging(code: str, whole: Walk, paged: Walk, small: int) -> Finding:
    name = "DAM search paging"
    assumed = "after += hit_count walks every hit exactly once"
    seen = f"{code}: {paged.total} hits in {paged.pages} pages of {small}"
    if paged.error:
        return fail(name, assumed, f"{seen}; {paged.error}", "page the search by hand")
    duplicates = len(paged.ids) - len(set(paged.ids))
    if duplicates or len(paged.ids) != paged.total or set(paged.ids) != set(whole.ids):
        return fail(
            name, assumed,
            f"{seen}; {len(set(paged.ids))} distinct ids, {duplicates} repeated, "
            f"{len(set(whole.ids) ^ set(paged.ids))} differing from one large page",
            "OTMM's paging does not follow after/limit: report it with the ids seen",
        )  # fmt: skip
    return ok(name, assumed, f"{seen}, the same {paged.total} as in larger pages")
