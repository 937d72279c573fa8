"""Does a file's content match its extension? Read from its first bytes (magic numbers).

An agency's upload that went wrong often leaves a file with the right name and the wrong
content: a Box or proxy error page saved as ``…mp4``, a ZIP of the deliverables, a PDF
proof. The DAM would store it and the reviewers would find a broken asset. So A2→A3
reads the first ``HEAD_BYTES`` of the stream, the ones it was about to send anyway, and
``problem`` compares them with the extension:

- a known extension (``KINDS``: video, image, audio, PDF, archives) must start with one of
  its kind's signatures, or the file is set aside, saying what the bytes look like;
- any other extension is not checked, except that an HTML page is never taken under a
  name that does not say ``.html``/``.htm`` (the usual error page);
- a file without an extension is set aside: nobody, the DAM included, can tell its type.

Pure: bytes in, a reason or None out. How the bytes are read without reading the
file twice is ``workflows/streams.py``'s ``peek``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

HEAD_BYTES = 64  # enough for every signature below and for a readable excerpt

# ISO base media (MP4, M4V, 3GP, HEIC) and QuickTime: a box size, then its type. A file
# usually opens with ``ftyp``; QuickTime and some encoders open with another top box.
_ISO_BOXES = frozenset({b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid"})


def _iso_media(head: bytes) -> bool:
    return head[4:8] in _ISO_BOXES


def _riff(form: bytes) -> Callable[[bytes], bool]:
    return lambda head: head[:4] == b"RIFF" and head[8:12] == form


def _prefix(*signatures: bytes) -> Callable[[bytes], bool]:
    return lambda head: any(head.startswith(s) for s in signatures)


def _mp3(head: bytes) -> bool:
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] >= 0xE0)


@dataclass(frozen=True)
class Kind:
    label: str
    extensions: frozenset[str]
    matches: Callable[[bytes], bool]


def _kind(label: str, extensions: str, matches: Callable[[bytes], bool]) -> Kind:
    return Kind(label, frozenset(extensions.split()), matches)


KINDS = (
    _kind("an MP4/QuickTime video", ".mp4 .m4v .mov .qt .3gp .m4a .heic .avif", _iso_media),
    _kind("a Matroska/WebM video", ".mkv .webm", _prefix(b"\x1a\x45\xdf\xa3")),
    _kind("an AVI video", ".avi", _riff(b"AVI ")),
    _kind("an MPEG video", ".mpg .mpeg", _prefix(b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")),
    _kind("an MXF video", ".mxf", _prefix(b"\x06\x0e\x2b\x34")),
    _kind("a JPEG image", ".jpg .jpeg .jpe", _prefix(b"\xff\xd8\xff")),
    _kind("a PNG image", ".png", _prefix(b"\x89PNG\r\n\x1a\n")),
    _kind("a GIF image", ".gif", _prefix(b"GIF87a", b"GIF89a")),
    _kind("a TIFF image", ".tif .tiff", _prefix(b"II*\x00", b"MM\x00*")),
    _kind("a WebP image", ".webp", _riff(b"WEBP")),
    _kind("a Photoshop file", ".psd .psb", _prefix(b"8BPS")),
    _kind("a WAV sound", ".wav", _riff(b"WAVE")),
    _kind("an MP3 sound", ".mp3", _mp3),
    _kind("a PDF", ".pdf", _prefix(b"%PDF")),
    _kind("an Illustrator file", ".ai", _prefix(b"%PDF", b"%!PS-Adobe")),
    _kind("a ZIP archive", ".zip", _prefix(b"PK\x03\x04", b"PK\x05\x06")),
)
_BY_EXTENSION = {ext: kind for kind in KINDS for ext in kind.extensions}
_HTML = (b"<!doctype html", b"<html", b"<head", b"<body", b"<title", b"<!--")
_TEXT_EXTENSIONS = frozenset({".html", ".htm", ".xhtml"})


def kind_of(extension: str) -> Kind | None:
    """The kind ``extension`` promises (``.MP4`` is ``.mp4``), None when we keep no signature."""
    return _BY_EXTENSION.get(extension.casefold())


def _looks_like_html(head: bytes) -> bool:
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return text.startswith(_HTML)


def looks_like(head: bytes) -> str:
    """What the bytes resemble, for a reason an operator reads: ``an HTML page``…"""
    if not head:
        return "nothing (it is empty)"
    if _looks_like_html(head):
        return "an HTML page (an error or sign-in page saved under this name?)"
    found = next((kind.label for kind in KINDS if kind.matches(head)), None)
    return found or _looks_like_text(head)


def _looks_like_text(head: bytes) -> str:
    stripped = head.lstrip()
    if stripped.startswith((b"{", b"[")):
        return "JSON text"
    if stripped.startswith(b"<?xml"):
        return "an XML document"
    if _is_text(head):
        return "plain text"
    return f"unknown data (it starts {head[:8].hex(' ')})"


def _is_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False  # a multi-byte character cut at the end is rare enough to call binary
    return all(ch.isprintable() or ch in "\t\r\n" for ch in text)


def excerpt(head: bytes, limit: int = 24) -> str:
    """The first bytes, readable: ``'<!DOCTYPE html><html>…'``."""
    shown = head[:limit].decode("latin-1")
    text = "".join(ch if " " <= ch <= "~" else "." for ch in shown)
    return repr(text + ("…" if len(head) > limit else ""))


def problem(extension: str, head: bytes) -> str | None:
    """Why content starting with ``head`` is not what ``extension`` says (None: it is).

    ``head`` is the file's first ``HEAD_BYTES``, or the whole file when it is shorter.
    """
    if not extension:
        return "the name has no extension, so nobody can tell what the file is; add one"
    kind = kind_of(extension)
    if kind is None:
        if extension.casefold() not in _TEXT_EXTENSIONS and _looks_like_html(head):
            return f"the name says {extension} but the content is {looks_like(head)}"
        return None
    if kind.matches(head):
        return None
    what = looks_like(head)
    if head and len(head) < HEAD_BYTES:
        what += f", {len(head)} bytes in all"
    return (
        f"the content is not {kind.label} as {extension} says: it is {what} "
        f"(it starts {excerpt(head)}); upload the right file again"
    )


_ENCRYPT = re.compile(rb"/Encrypt\s*(?:\d+\s+\d+\s+R|<<)")


def pdf_problem(data: bytes) -> str | None:
    """Why ``data`` is no PDF LlamaCloud can read: not a PDF at all, or encrypted."""
    if (wrong := problem(".pdf", data[:HEAD_BYTES])) is not None:
        return wrong
    if _ENCRYPT.search(data):
        return (
            "the PDF is encrypted (password-protected or restricted) and cannot be read; "
            "export the scorecard again without protection"
        )
    return None
