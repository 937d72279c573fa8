from __future__ import annotations

import pytest

from ferrero_daemon.domain import market_codes


def test_the_tables_hold_every_assigned_code() -> None:
    assert len(market_codes.COUNTRIES) == 249 and len(market_codes.LANGUAGES) == 184


@pytest.mark.parametrize("code", ["DE", "de", "GB", "UK", "SS", "CW", "AX"])
def test_countries(code: str) -> None:
    assert market_codes.is_country(code)


@pytest.mark.parametrize("code", ["XX", "EU", "DEU", "D", "", "D\u0301E", "ＤＥ", "D3", "DE "])
def test_not_countries(code: str) -> None:
    assert not market_codes.is_country(code)


@pytest.mark.parametrize("code", ["de", "DE", "en", "zh", "he"])
def test_languages(code: str) -> None:
    assert market_codes.is_language(code)


@pytest.mark.parametrize("code", ["xx", "deu", "pt-BR", "", "d\u0301e", "ｄｅ", "iw"])
def test_not_languages(code: str) -> None:
    assert not market_codes.is_language(code)
