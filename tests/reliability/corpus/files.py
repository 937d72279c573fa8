"""The hostile corpus of agency files: each case a name (built around its own master's
tracking ID), a content, and the outcome it must produce in A2→A3."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ferrero_daemon.domain import tracking_id
from ferrero_daemon.sandbox import media

NUMBER = "5001"  # the corpus campaign; ``other`` cases belong to a master of 5002
HTML = b"<!DOCTYPE html>\n<html><head><title>Box | Sign in</title></head><body>...</body></html>"
IMPORTED, VERSION, UNCHANGED = "imported", "new version", "unchanged"


def aside(why: str) -> str:
    return f"set aside: {why}"


def std(
    tid: str,
    brand: str = "Nutella",
    country: str = "DE",
    language: str = "de",
    number: str = NUMBER,
    ext: str = ".mp4",
) -> str:
    return f"{brand}_{country}_{language}_{number}_OMG999_{tid}{ext}"


def with_check(tid: str, shift: int) -> str:
    i = (tracking_id.ALPHABET.index(tid[-1]) + shift) % 32
    return tid[:-1] + tracking_id.ALPHABET[i]


def long_brand(tid: str) -> str:
    tail = std(tid, brand="")
    room = 255 - len(tail.encode())
    return std(tid, brand="Ü" * (room // 2))  # 255 bytes of UTF-8 exactly, or 254


@dataclass(frozen=True)
class FileCase:
    id: str
    name: Callable[[str], str]  # from the case's own tracking ID
    expect: str  # IMPORTED, VERSION, UNCHANGED or "set aside: <part of the reason>"
    data: Callable[[str], bytes] = media.sample  # from the name
    before: bytes | None = None  # an earlier delivery of the same market, imported first
    other_campaign: bool = False  # its master is in campaign 5002


def _bytes(data: bytes) -> Callable[[str], bytes]:
    return lambda _name: data


CASES = (
    # -- names that go in ----------------------------------------------------------------
    FileCase("plain", std, IMPORTED),
    FileCase("id-lower-case", lambda t: std(t.lower()), IMPORTED),
    FileCase("market-case-games", lambda t: std(t, country="de", language="DE"), IMPORTED),
    FileCase("extension-upper-case", lambda t: std(t, ext=".MP4"), IMPORTED),
    FileCase("brand-underscores", lambda t: std(t, brand="Kinder_Bueno"), IMPORTED),
    FileCase("brand-arabic-rtl", lambda t: std(t, "نوتيلا", "AE", "ar"), IMPORTED),
    FileCase("brand-hebrew-rtl", lambda t: std(t, "נוטלה", "IL", "he"), IMPORTED),
    FileCase("brand-combining-mark", lambda t: std(t, brand="Nutella\u0300"), IMPORTED),
    FileCase("brand-emoji", lambda t: std(t, brand="Nutella🍫"), IMPORTED),
    FileCase("semicolons", lambda t: std(t, brand="Nutella;Summer; 2026"), IMPORTED),
    FileCase("quotes", lambda t: std(t, brand="Nutella \"Summer\" 'Cut'"), IMPORTED),
    FileCase("spaces", lambda t: std(t, brand="Ferrero Rocher"), IMPORTED),
    FileCase("fullwidth-slash", lambda t: std(t, brand="Nutella／Kinder"), IMPORTED),
    FileCase("very-long-255", long_brand, IMPORTED),
    FileCase("number-leading-zeros", lambda t: std(t, number="05001"), IMPORTED),
    FileCase("uk-reserved-code", lambda t: std(t, country="UK", language="en"), IMPORTED),
    FileCase("quicktime-mov", lambda t: std(t, ext=".mov"), IMPORTED),
    FileCase("jpeg-image", lambda t: std(t, ext=".jpg"), IMPORTED),
    # -- names that are set aside ----------------------------------------------------------
    # (invisible and control characters, "/" and "\\": Box refuses such names, so they never
    # reach A2→A3; tests/unit/test_agency_names.py covers the rule that would set them aside)
    FileCase("brand-cjk", lambda t: std(t, brand="能多益"), IMPORTED),
    FileCase("sql-in-brand", lambda t: std(t, brand="N'); DROP TABLE x;--"), IMPORTED),
    FileCase("template-in-brand", lambda t: std(t, brand="{{ 7*7 }}{% raw %}"), IMPORTED),
    FileCase("percent-encoded", lambda t: std(t, brand="Nutella%20Summer%2F"), IMPORTED),
    FileCase("cyrillic-country", lambda t: std(t, country="D\u0415"), aside("not a country code")),
    FileCase("cyrillic-in-id", lambda t: std(t[:3] + "\u0410" + t[4:]), aside("is damaged")),
    FileCase("combining-mark-country", lambda t: std(t, country="D\u0301E"), aside("'D\\u0301E'")),
    FileCase("fullwidth-country", lambda t: std(t, country="ＤＥ"), aside("not a country code")),
    FileCase("unknown-country", lambda t: std(t, country="XX"), aside("not a country code")),
    FileCase("three-letter-country", lambda t: std(t, country="DEU"), aside("not a country code")),
    FileCase("unknown-language", lambda t: std(t, language="xx"), aside("not a language code")),
    FileCase("locale-as-language", lambda t: std(t, language="pt-BR"), aside("not a language")),
    FileCase("arabic-indic-number", lambda t: std(t, number="٥٠٠١"), aside("does not follow")),
    FileCase("campaign-9999", lambda t: std(t, number="9999"), aside("says campaign 9999")),
    FileCase(
        "other-campaign-s-id",
        std,
        aside("says campaign 5001, but tracking ID"),
        other_campaign=True,
    ),
    FileCase("id-dropped-character", lambda t: std(t[:-1]), aside("8 characters")),
    FileCase("id-added-character", lambda t: std(t + "7"), aside("10 characters")),
    FileCase("id-letter-u", lambda t: std(t[:3] + "U" + t[4:]), aside("'U' never appears")),
    FileCase("id-dotless-i", lambda t: std(t[:3] + "ı" + t[4:]), aside("is damaged")),
    FileCase("id-wrong-check", lambda t: std(with_check(t, 1)), aside("check character")),
    FileCase("no-id", lambda t: f"Nutella_DE_de_{NUMBER}_OMG999.mp4", aside("no tracking ID")),
    FileCase("id-first", lambda t: f"{t}_Nutella_DE_de_{NUMBER}.mp4", aside("does not follow")),
    FileCase("unknown-id", lambda t: std(tracking_id.mint(b"\x09" * 8)), aside("unknown tracking")),
    FileCase("double-extension", lambda t: std(t, ext=".mp4.mov"), aside("two extensions")),
    FileCase("no-extension", lambda t: std(t, ext=""), aside("no extension")),
    FileCase("appledouble", lambda t: "._" + std(t), aside("AppleDouble")),
    FileCase("ds-store", lambda t: ".DS_Store", aside("Finder settings")),
    FileCase("thumbs-db", lambda t: "Thumbs.db", aside("thumbnail cache")),
    FileCase("desktop-ini", lambda t: "desktop.ini", aside("folder settings")),
    FileCase("office-lock", lambda t: "~$" + std(t, ext=".docx"), aside("lock file")),
    # -- content ---------------------------------------------------------------------------
    FileCase("empty", std, aside("empty (0 bytes)"), data=_bytes(b"")),
    FileCase("html-named-mp4", std, aside("is an HTML page"), data=_bytes(HTML)),
    FileCase("truncated-5-bytes", std, aside("5 bytes in all"), data=_bytes(b"\x00\x00\x00\x18f")),
    FileCase("jpeg-named-mp4", std, aside("is a JPEG image"), data=lambda n: media.sample("x.jpg")),
    FileCase(
        "zip-named-mov",
        lambda t: std(t, ext=".mov"),
        aside("is a ZIP"),
        data=_bytes(b"PK\x03\x04" + b"\0" * 80),
    ),
    FileCase("pdf-named-mp4", std, aside("is a PDF"), data=lambda n: media.sample("x.pdf")),
    FileCase("json-named-mp4", std, aside("is JSON text"), data=_bytes(b'{"error": "expired"}')),
    FileCase("html-named-xyz", lambda t: std(t, ext=".xyz"), aside("HTML page"), data=_bytes(HTML)),
    FileCase(
        "binary-named-jpg",
        lambda t: std(t, ext=".jpg"),
        aside("unknown data"),
        data=_bytes(bytes(range(64))),
    ),
    # -- re-deliveries -----------------------------------------------------------------
    FileCase("redelivery-changed", std, VERSION, before=media.sample("v.mp4", b"first cut")),
    FileCase("redelivery-identical", std, UNCHANGED, before=media.sample("v.mp4")),
    FileCase(
        "redelivery-language-capitals",
        lambda t: std(t, language="DE"),
        VERSION,
        before=media.sample("v.mp4", b"first cut"),
    ),
)
