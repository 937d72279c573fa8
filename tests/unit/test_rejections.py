from __future__ import annotations

from ferrero_daemon.domain import rejections


def test_not_approved_is_recognised_however_it_is_spelled() -> None:
    assert rejections.is_rejected("NOT APPROVED", "NOT APPROVED")
    assert rejections.is_rejected(" not  approved ", "NOT APPROVED")
    assert rejections.is_rejected(["Not Approved"], "NOT APPROVED")
    assert not rejections.is_rejected("APPROVED", "NOT APPROVED")
    assert not rejections.is_rejected(None, "NOT APPROVED")
    # Another installation's spelling, configured as [dam.values] rejected:
    assert rejections.is_rejected("Non approvato", "NON APPROVATO")
    assert not rejections.is_rejected("NOT APPROVED", "NON APPROVATO")


def test_tabular_comments_become_one_line_per_row() -> None:
    text = rejections.comment_text(["Logo too small", "", "  Wrong claim  "], tabular=True)
    assert text == "Logo too small\nWrong claim"
    assert rejections.comment_text("Logo too small", tabular=True) == "Logo too small"
    assert rejections.comment_text(["a", "b"], tabular=False) == "a\nb"
    assert rejections.comment_text(None, tabular=False) == ""


def test_the_description_fits_box_and_says_it_was_cut() -> None:
    long = "x" * 1000
    cut = rejections.description(long)
    assert len(cut) == rejections.BOX_DESCRIPTION_LIMIT
    assert cut.endswith("…")
    assert rejections.description("Logo\nClaim") == "Rejected: Logo / Claim"
    assert rejections.description("") == f"Rejected: {rejections.NO_COMMENT}"
