"""A small, valid PDF 1.4 writer for text pages, and the text reader that reads it back.

Enough PDF for scorecards: one or more A4 pages of positioned text in the standard
Helvetica fonts (WinAnsi, so any cp1252 text), content streams Flate-compressed, a
correct cross-reference table. ``read_lines`` is a layout-aware text extractor for
such files: fragments that share a baseline become one line, cells joined by a tab.
Anything it cannot parse (truncated, not a PDF, damaged stream) is a ``PdfError``.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

PAGE_WIDTH, PAGE_HEIGHT = 595, 842
FONTS = {"regular": b"Helvetica", "bold": b"Helvetica-Bold"}


class PdfError(ValueError):
    """The bytes are not a PDF this reader can take apart."""


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: float = 11
    font: str = "regular"


def _literal(text: str) -> bytes:
    try:
        raw = text.encode("cp1252")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{text!r}: PDF text here must be cp1252 (WinAnsi) text") from exc
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _content(items: Sequence[Text]) -> bytes:
    fonts = {name: f"/F{i + 1}".encode() for i, name in enumerate(FONTS)}
    ops = []
    for item in items:
        ops.append(
            b"BT %s %g Tf %g %g Td %s Tj ET"
            % (fonts[item.font], item.size, item.x, item.y, _literal(item.text))
        )
    return b"\n".join(ops)


def _font_objects() -> list[bytes]:
    return [
        b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>" % base
        for base in FONTS.values()
    ]


def write(pages: Sequence[Sequence[Text]], title: str = "") -> bytes:
    """A complete PDF with one page per item of ``pages``."""
    n_fonts, first_page = len(FONTS), 3 + len(FONTS)
    page_ids = [first_page + 2 * i for i in range(len(pages))]
    font_refs = b" ".join(b"/F%d %d 0 R" % (i + 1, 3 + i) for i in range(n_fonts))
    kids = b" ".join(b"%d 0 R" % pid for pid in page_ids)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages)),
        *_font_objects(),
    ]
    for pid, items in zip(page_ids, pages, strict=True):
        stream = zlib.compress(_content(items))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
            b"/Resources << /Font << %s >> >> /Contents %d 0 R >>"
            % (PAGE_WIDTH, PAGE_HEIGHT, font_refs, pid + 1)
        )
        objects.append(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream)
        )
    objects.append(b"<< /Title %s /Producer (ferrero-daemon sandbox) >>" % _literal(title))
    return _assemble(objects)


def _assemble(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        len(objects),
        xref,
    )
    return bytes(out)


# -- reading -------------------------------------------------------------------

_STREAM = re.compile(rb"<<(?P<dict>(?:(?!>>\s*stream).)*?)>>\s*stream\r?\n", re.S)
_TOKEN = re.compile(
    rb"\((?P<lit>(?:\\.|[^\\)])*)\)|<(?P<hex>[0-9A-Fa-f\s]*)>|\[|\]"
    rb"|(?P<num>[-+]?(?:\d+\.?\d*|\.\d+))|(?P<op>[A-Za-z'\"*]+)|/[^\s/\[\]()<>]+",
    re.S,
)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _check_structure(data: bytes) -> None:
    if not data.startswith(b"%PDF-"):
        raise PdfError("not a PDF: the file does not start with %PDF-")
    tail = data[-1024:]
    match = re.search(rb"startxref\s+(\d+)\s+%%EOF", tail)
    if match is None:
        raise PdfError("truncated PDF: no startxref / %%EOF at the end")
    if not data[int(match.group(1)) :].startswith(b"xref"):
        raise PdfError("damaged PDF: startxref does not point at the cross-reference table")


def _streams(data: bytes) -> Iterator[bytes]:
    for match in _STREAM.finditer(data):
        length = re.search(rb"/Length\s+(\d+)", match.group("dict"))
        if length is None:
            raise PdfError("damaged PDF: a stream without /Length")
        start = match.end()
        raw = data[start : start + int(length.group(1))]
        if b"/FlateDecode" in match.group("dict"):
            try:
                raw = zlib.decompress(raw)
            except zlib.error as exc:
                raise PdfError(
                    f"damaged PDF: a compressed stream does not inflate ({exc})"
                ) from exc
        yield raw


def _unescape(literal: bytes) -> bytes:
    def one(m: re.Match[bytes]) -> bytes:
        code = m.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8) & 0xFF])
        return _ESCAPES.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def _decode(token: re.Match[bytes]) -> str:
    if token.group("lit") is not None:
        return _unescape(token.group("lit")).decode("cp1252", errors="replace")
    hex_digits = re.sub(rb"\s", b"", token.group("hex"))
    return bytes.fromhex((hex_digits + b"0" * (len(hex_digits) % 2)).decode()).decode(
        "cp1252", errors="replace"
    )


class _TextState:
    """Just enough of the text state machine: where the next string is drawn."""

    def __init__(self) -> None:
        self.fragments: list[tuple[float, float, str]] = []
        self.x = self.y = 0.0
        self.leading = 0.0

    def operate(self, op: bytes, numbers: list[float], strings: list[str]) -> None:
        if op == b"BT":
            self.x = self.y = 0.0
        elif op in (b"Td", b"TD") and len(numbers) >= 2:
            self.x, self.y = self.x + numbers[-2], self.y + numbers[-1]
            self.leading = -numbers[-1] if op == b"TD" else self.leading
        elif op == b"Tm" and len(numbers) >= 6:
            self.x, self.y = numbers[-2], numbers[-1]
        elif op == b"TL" and numbers:
            self.leading = numbers[-1]
        elif op in (b"T*", b"'", b'"'):
            self.y -= self.leading
        if op in (b"Tj", b"TJ", b"'", b'"') and strings:
            self.fragments.append((self.y, self.x, "".join(strings)))


def _fragments(content: bytes) -> list[tuple[float, float, str]]:
    state = _TextState()
    numbers: list[float] = []
    strings: list[str] = []
    for token in _TOKEN.finditer(content):
        if token.group("num") is not None:
            numbers.append(float(token.group("num")))
        elif token.group("lit") is not None or token.group("hex") is not None:
            strings.append(_decode(token))
        elif token.group("op") is not None:
            state.operate(token.group("op"), numbers, strings)
            numbers, strings = [], []
    return state.fragments


def read_lines(data: bytes) -> list[str]:
    """The text of every page, top to bottom; cells on one baseline joined by a tab."""
    _check_structure(data)
    lines: list[str] = []
    for content in _streams(data):
        rows: dict[float, list[tuple[float, str]]] = defaultdict(list)
        for y, x, text in _fragments(content):
            rows[round(y, 1)].append((x, text))
        for y in sorted(rows, reverse=True):
            lines.append("\t".join(text for _x, text in sorted(rows[y])))
    return lines
