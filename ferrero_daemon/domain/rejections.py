"""What a rejected derivative looks like when it goes back to the agency. Pure rules.

The reviewers' comments are a plain or a tabular DAM field (``dam.fields.comments_tabular``);
either way the agency gets the full text in ``<name>.comments.txt`` beside the file, and
as much of it as fits in the Box file's description.
"""

from __future__ import annotations

from ferrero_daemon.domain.values import FieldValue, field_text, field_texts

# Box refuses a file description longer than 256 characters (OpenAPI `File.description`,
# maxLength 256).
BOX_DESCRIPTION_LIMIT = 256
NO_COMMENT = "(the reviewers left no comment)"
_ELLIPSIS = "…"


def is_rejected(value: FieldValue, rejected: str) -> bool:
    """The configured rejection value (``NOT APPROVED``) whatever the case and spaces."""
    text = field_text(value)
    return bool(text) and _normal(text) == _normal(rejected)


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def comment_text(value: FieldValue, tabular: bool) -> str:
    """The full comment: one line per row of a tabular field, empty rows dropped.

    A value of the other shape than configured is read anyway: the field's shape is a
    per-installation fact we may have wrong, and losing a reviewer's words is worse.
    """
    rows = value.splitlines() if isinstance(value, str) and tabular else value
    return "\n".join(field_texts(rows))


def description(comment: str, limit: int = BOX_DESCRIPTION_LIMIT) -> str:
    """The comment folded onto one line and trimmed to Box's limit, marked when cut."""
    text = " / ".join(line for line in comment.splitlines() if line) or NO_COMMENT
    text = f"Rejected: {text}"
    if len(text) <= limit:
        return text
    return text[: limit - len(_ELLIPSIS)].rstrip() + _ELLIPSIS


def comments_file_name(name: str) -> str:
    return f"{name}.comments.txt"


def comments_file_body(name: str, campaign: str, comment: str) -> bytes:
    body = (
        f"Rejected: {name}\nCampaign: {campaign}\n\nReviewers' comments:\n{comment or NO_COMMENT}\n"
    )
    return body.encode("utf-8")
