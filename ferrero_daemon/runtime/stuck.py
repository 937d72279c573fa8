"""When a run counts as stuck: past its job's ``max_duration_minutes``."""

from __future__ import annotations


def is_stuck(elapsed_s: float, max_duration_minutes: float) -> bool:
    return elapsed_s > max_duration_minutes * 60
