"""Multipart form parts read as real servers read them.

A part's ``Content-Disposition`` is ``form-data`` followed by ``; key=value``
parameters whose values are tokens or quoted strings (RFC 7578 §4.2, RFC 6266 §4.1).
Inside a quoted string a ``;`` or ``=`` is part of the value and ``\\x`` stands for
``x``; ``filename*`` (RFC 5987) wins over ``filename``. aiohttp's own parser gives up
on a quoted file name with two ``;`` in it (``Nutella;;Spot.mp4``), so every emulator
opens a body with ``form_reader`` and reads part names with ``disposition(part.headers)``,
never with ``BodyPartReader.name`` / ``.filename``.
"""

from __future__ import annotations

import re
import urllib.parse
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import MultipartReader, hdrs, web
from aiohttp.multipart import BadContentDispositionHeader

_PARAM = re.compile(
    r"""[\s;]*(?P<key>[^\s;="]+)\s*=\s*(?P<value>"(?:[^"\\]|\\.)*"|[^;"]*?)\s*(?:;|$)""",
    re.DOTALL,
)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


class BadDisposition(ValueError):
    """A Content-Disposition header that is not ``type; key=value; ...``."""


@dataclass(frozen=True)
class Disposition:
    kind: str
    name: str | None
    filename: str | None


def parse(header: str) -> tuple[str, dict[str, str]]:
    """``('form-data', {'name': 'file', 'filename': 'a;b.mp4'})`` from the header."""
    kind, _, rest = header.partition(";")
    params: dict[str, str] = {}
    pos = 0
    while rest[pos:].strip(" \t;"):
        match = _PARAM.match(rest, pos)
        if match is None:
            raise BadDisposition(f"Content-Disposition {header!r} is malformed at {pos}")
        value = match["value"]
        if value.startswith('"'):
            value = _ESCAPE.sub(r"\1", value[1:-1])
        params[match["key"].lower()] = value
        pos = match.end()
    return kind.strip().lower(), params


def disposition(headers: Mapping[str, str]) -> Disposition:
    """A part's field name and file name (None when the part is not a file)."""
    kind, params = parse(headers.get(hdrs.CONTENT_DISPOSITION, ""))
    filename = params.get("filename")
    if "filename*" in params:
        charset, _, tail = params["filename*"].partition("'")
        filename = urllib.parse.unquote(tail.partition("'")[2], encoding=charset or "utf-8")
    return Disposition(kind, params.get("name"), filename)


async def form_reader(request: web.Request) -> MultipartReader:
    """The body's parts, for names read with ``disposition``."""
    # aiohttp parses the first part's header itself (looking for a ``_charset_`` field)
    # and warns when its parser gives up on a name we read correctly ourselves.
    warnings.filterwarnings("ignore", category=BadContentDispositionHeader)
    return await request.multipart()
