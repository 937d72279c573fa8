"""Mail bodies from the templates in ``ferrero_daemon/templates/``: ``<name>.txt`` and
``<name>.html``, rendered with the same context (the ``values()`` of the template's
dataclass in ``domain/mails.py``). HTML is autoescaped, so a file name
or a reviewer's comment cannot inject markup; an undefined variable is an error, not
an empty string, so a mail never goes out with a hole in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from ferrero_daemon.errors import InvalidInputError
from ferrero_daemon.resources import package_path

TEMPLATES_DIR = package_path("templates")


@dataclass(frozen=True)
class Rendered:
    text: str
    html: str


@cache
def environment(directory: Path = TEMPLATES_DIR) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(template: str, context: Mapping[str, Any], directory: Path = TEMPLATES_DIR) -> Rendered:
    """Both parts of a mail; ``InvalidInputError`` naming the template when it cannot be."""
    env = environment(directory)
    try:
        text = env.get_template(f"{template}.txt").render(context)
        html = env.get_template(f"{template}.html").render(context)
    except jinja2.TemplateNotFound as exc:
        raise InvalidInputError(
            f"mail template {exc.name!r} is missing from {directory}; "
            f"every mail needs {template}.txt and {template}.html"
        ) from exc
    except (jinja2.UndefinedError, jinja2.TemplateSyntaxError) as exc:
        raise InvalidInputError(f"mail template {template!r} cannot be rendered: {exc}") from exc
    return Rendered(text=text, html=html)
