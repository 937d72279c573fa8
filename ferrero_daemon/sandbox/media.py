"""The first bytes of real media files, so the emulators' files are what their names say.

A2→A3 checks an agency file's first bytes against its extension
(``domain/content_types.py``). Generated (seeded) Box files and the tests' agency uploads
start with ``head_for(name)``: an MP4 with its ``ftyp`` box, a JPEG with its SOI marker,
and so on; anything after it is the payload.
"""

from __future__ import annotations

from pathlib import PurePath

_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
_HEADS = {
    ".mp4": _MP4,
    ".m4v": _MP4,
    ".mov": b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ",
    ".jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00",
    ".jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00",
    ".png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    ".gif": b"GIF89a",
    ".pdf": b"%PDF-1.4\n",
    ".mxf": b"\x06\x0e\x2b\x34\x02\x05\x01\x01\x0d\x01\x02\x01\x01\x02\x04\x00",
    ".zip": b"PK\x03\x04",
}


def head_for(name: str) -> bytes:
    """The signature a file of this name starts with (empty for other extensions)."""
    return _HEADS.get(PurePath(name).suffix.casefold(), b"")


def sample(name: str, payload: bytes = b"localised video bytes") -> bytes:
    """A small file of the kind ``name`` says: its signature, then ``payload``."""
    return head_for(name) + payload
