"""The files the code reads at run time, found the same way in a checkout and in a wheel.

The named queries (``queries.sql``) and the mail templates sit inside the package. The
schema migrations sit in ``schema/`` at the top of the repository, as the project asked;
the wheel carries them as ``ferrero_daemon/schema`` (``pyproject.toml``, hatch
``force-include``). ``importlib.resources`` finds each in an installed package; a
checkout (an editable install, the tests) falls back to the repository's ``schema/``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

_PACKAGE = "ferrero_daemon"


def package_path(*parts: str) -> Path:
    """A file or directory shipped inside the package (installed unzipped, as pip does)."""
    return Path(str(files(_PACKAGE).joinpath(*parts)))


def schema_dir() -> Path:
    """The numbered SQL migrations: the wheel's copy, else the checkout's ``schema/``."""
    shipped = package_path("schema")
    if shipped.is_dir():
        return shipped
    return package_path().parent / "schema"
