from __future__ import annotations

import itertools
import random

from ferrero_daemon.domain import tracking_id
from ferrero_daemon.domain.tracking_id import ALPHABET, is_valid, mint, normalize


def test_minted_ids_are_short_and_valid() -> None:
    ids = {mint() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(len(t) == 9 and is_valid(t) for t in ids)


def test_case_and_lookalikes_are_forgiven() -> None:
    tid = mint(bytes([0, 1, 24, 3, 4, 5, 6, 7]))
    assert is_valid(tid.lower())
    assert normalize("o1l" + tid[3:]) == "011" + tid[3:]


def test_every_single_symbol_typo_is_caught() -> None:
    rng = random.Random(7)
    for _ in range(200):
        tid = mint(rng.randbytes)
        for pos, ch in itertools.product(range(len(tid)), ALPHABET):
            if ch != tid[pos]:
                assert not is_valid(tid[:pos] + ch + tid[pos + 1 :])


def test_most_neighbour_swaps_are_caught() -> None:
    rng = random.Random(11)
    caught = total = 0
    for _ in range(500):
        tid = mint(rng.randbytes)
        for pos in range(len(tid) - 1):
            swapped = tid[:pos] + tid[pos + 1] + tid[pos] + tid[pos + 2 :]
            if swapped != tid:
                total += 1
                caught += not is_valid(swapped)
    assert caught / total > 0.95


def test_garbage_is_invalid() -> None:
    assert not is_valid("")
    assert not is_valid("ABC")
    assert not is_valid("ABCDEFGH!")
    assert tracking_id.LENGTH == 9
