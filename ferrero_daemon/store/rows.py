"""From a row to its dataclass, one way for every table.

Each field takes the column of its name; ``values`` give the fields whose column is
named otherwise or holds JSON text. A column the dataclass does not name is ignored,
so a query may return more than one type reads.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

from asyncpg import Record

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


def from_row(cls: type[T], row: Record, **values: Any) -> T:
    """``cls`` (a dataclass) from ``row``; ``values`` for the fields it does not hold as is."""
    taken = {f.name: row[f.name] for f in fields(cls) if f.init and f.name not in values}
    return cls(**taken, **values)
