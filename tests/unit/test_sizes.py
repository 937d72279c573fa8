"""One way to show a byte count: in a delivery mail, ``backup list`` and ``status`` alike."""

from __future__ import annotations

from ferrero_daemon.domain.sizes import human_size


def test_sizes_are_in_decimal_units_with_one_decimal() -> None:
    assert human_size(None) == "unknown size"
    assert human_size(999) == "999 B"
    assert human_size(1500) == "1.5 kB"
    assert human_size(50_000_000) == "50.0 MB"
    assert human_size(1_200_000_000) == "1.2 GB"
    assert human_size(3_200_000_000_000) == "3200.0 GB"
