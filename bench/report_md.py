"""``bench/RESULTS.md`` from the figures ``run.py`` gathered: the table, then the details.

Every row is ours next to a baseline measured in the same run, the ratio, the
target and whether it is met. ``bench/NOTES.md`` (written by hand: what was
profiled, what was changed, why a gap remains) follows the table verbatim.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
Row = tuple[str, str, str, str, str, str]


def _met(ok: bool | None) -> str:
    return "—" if ok is None else ("**met**" if ok else "**missed**")


def _size(size: str) -> str:
    value = int(size)
    return f"{value / 1024**3:g} GiB" if value % 1024**3 == 0 else f"{value / 1e6:g} MB"


def transfer_rows(f: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    sizes = f["sizes"]
    for size, s in sizes.items():
        slower = min(s["curl_down"], s["curl_up"])
        ratio = s["ours"] / slower
        rows.append(
            (
                f"transfer {_size(size)}: DAM → clients → Box",
                f"{s['ours']:.0f} MB/s",
                f"curl: down {s['curl_down']:.0f}, up {s['curl_up']:.0f} MB/s",
                f"{ratio:.2f} × the slower",
                "≥ 0.7 ×",
                _met(ratio >= 0.7),
            )
        )
    for size, s in sizes.items():
        rows.append(
            (
                f"transfer {_size(size)}: peak RSS",
                f"{s['peak_rss_mb']:.0f} MB",
                f"{s['rss_before_mb']:.0f} MB before the transfer",
                f"+{s['peak_rss_mb'] - s['rss_before_mb']:.0f} MB",
                "",
                "—",
            )
        )
    small, large = next(iter(sizes.values())), list(sizes.values())[-1]
    gap = large["peak_rss_mb"] - small["peak_rss_mb"]
    rows.append(
        (
            f"memory: largest ({_size(list(sizes)[-1])}) vs smallest transfer",
            f"{large['peak_rss_mb']:.0f} MB",
            f"{small['peak_rss_mb']:.0f} MB",
            f"{gap:+.0f} MB",
            "≤ +20 MB",
            _met(gap <= 20),
        )
    )
    return rows


def _cpu_total(cpu: dict[str, float], run: str) -> float:
    return sum(v for k, v in cpu.items() if k.endswith(run)) or float("nan")


def campaign_rows(f: dict[str, Any]) -> list[Row]:
    label = f"{f['masters']} × {f['mb']:g} MB"
    cpu = f["cpu_s"]
    if f.get("latency_ms"):
        return [
            (
                f"campaign {label}, {f['latency_ms']:g} ms added to every request",
                f"{f['daemon_s']:.2f} s",
                f"old scripts {f['old_scripts_s']:.2f} s",
                f"{f['ratio']:.2f} × the time",
                "(not a target)",
                "—",
            )
        ]
    return [
        (
            f"campaign {label} through A1→A2",
            f"{f['daemon_s']:.2f} s ({f['daemon_mb_s']:.0f} MB/s)",
            f"old scripts {f['old_scripts_s']:.2f} s",
            f"{f['ratio']:.2f} × the time",
            "≤ 0.3 ×",
            _met(f["ratio"] <= 0.3),
        ),
        (
            "campaign: CPU spent (all processes)",
            f"daemon {cpu['daemon_daemon_run']:.1f} s + emulators "
            f"{cpu['otmm_daemon_run'] + cpu['box_daemon_run']:.1f} s",
            f"old scripts {cpu['children_old_run']:.1f} s + emulators "
            f"{cpu['otmm_old_run'] + cpu['box_old_run']:.1f} s",
            f"{_cpu_total(cpu, 'daemon_run') / _cpu_total(cpu, 'old_run'):.2f} × the CPU",
            "",
            "—",
        ),
        (
            "memory: daemon peak RSS, campaign",
            f"{f['daemon_peak_rss_mb']:.0f} MB",
            f"{f['daemon_rss_rest_mb']:.0f} MB at rest before",
            f"+{f['daemon_peak_rss_mb'] - f['daemon_rss_rest_mb']:.0f} MB",
            "≤ 150 MB",
            _met(f["daemon_peak_rss_mb"] <= 150),
        ),
    ]


def idle_rows(f: dict[str, Any]) -> list[Row]:
    rows: list[Row] = [
        (
            f"idle {f['idle_seconds']:g} s, every job scheduled",
            f"{f['idle_cpu_percent']:.3f} % of a core",
            f"{f['idle_cpu_ms']:.0f} ms of CPU in {f['idle_seconds']:g} s",
            f"RSS {f['idle_rss_mb']:.0f} MB",
            "< 1 %",
            _met(f["idle_cpu_percent"] < 1),
        )
    ]
    for job, p in f["polls_by_job"].items():
        rows.append(
            (
                f"no-op poll {job}: inside vs a fresh process",
                f"{p['inside_cpu_ms']:.1f} ms CPU ({p['inside_wall_ms']:.0f} ms)",
                f"fresh {p['fresh_cpu_ms']:.0f} ms CPU ({p['fresh_wall_ms']:.0f} ms)",
                f"{p['ratio']:.0f} × cheaper",
                "≥ 20 ×",
                _met(p["ratio"] >= 20),
            )
        )
    return rows


def poll_scale_rows(f: dict[str, Any]) -> list[Row]:
    names = {
        "none_new": f"{f['files']:,} set aside, none new",
        "ten_new": f"{f['files']:,} set aside + {f['new']} new (1 MB each)",
        "waiting_dry_run": f"{f['files']:,} in the folder, dry run",
    }
    rows: list[Row] = []
    for key, label in names.items():
        p = f[key]
        rows.append(
            (
                f"A2→A3 poll: {label}",
                f"{p['wall_s'] * 1000:.0f} ms, {p['requests']} requests",
                f"CPU {p['cpu_s'] * 1000:.0f} ms",
                f"peak RSS {p['peak_rss_mb']:.0f} MB",
                "",
                "—",
            )
        )
    return rows


def year_rows(f: dict[str, Any]) -> list[Row]:
    b = f["backup"]
    volume = f"{f['masters']:,} masters, {f['events']:,} events, {f['job_runs']:,} runs"
    return [
        (
            f"daily report, a year ({volume})",
            f"{f['report_year_s']:.2f} s",
            f"empty database {f['report_empty_s']:.2f} s",
            f"{f['report_ratio']:.2f} ×",
            "",
            "—",
        ),
        (
            f"backup: dump + verify + test restore ({f['database_mb']:.0f} MB database)",
            f"{b['total_s']:.2f} s",
            f"bare pg_dump -Fc {b['pg_dump_s']:.2f} s",
            f"{b['ratio']:.1f} ×",
            "",
            "—",
        ),
    ]


ROWS = {
    "transfer": transfer_rows,
    "campaign": campaign_rows,
    "campaign_wan": campaign_rows,
    "idle": idle_rows,
    "poll_scale": poll_scale_rows,
    "year": year_rows,
}


def table(outcomes: dict[str, Any]) -> str:
    lines = [
        "| benchmark | ours | baseline, same run | ratio | target | |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, build in ROWS.items():
        outcome = outcomes.get(name)
        if outcome is None:
            continue
        if outcome.error:
            lines.append(f"| {name} | failed: see below | | | | |")
            continue
        lines += ["| " + " | ".join(row) + " |" for row in build(outcome.figures)]
    return "\n".join(lines)


def header(c: dict[str, Any]) -> str:
    m = c["machine"]
    load = c["load_samples"]
    return "\n".join(
        [
            "# Benchmark results",
            "",
            f"Written by `bench/run.py` ({c['mode']} run) on {c['date']}, commit `{c['commit']}`, "
            f"in {c['duration_min']:.0f} min.",
            "",
            f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Linux {m['kernel']}, "
            f"Python {m['python']}, {m['curl']}",
            f"- load average (1 min) while it ran: median {statistics.median(load):.2f}, "
            f"max {max(load):.2f}, min {min(load):.2f} ({len(load)} samples; before: "
            f"{c['load_before'][0]:.2f} / {c['load_before'][1]:.2f} / {c['load_before'][2]:.2f}). "
            "The machine's 2 cores are shared with other developers: absolute figures move "
            "with the load, ratios against a baseline of the same run much less.",
            "- each figure is the median of the runs given in the details; MB = 10^6 bytes, "
            "RSS included; CPU in ms of one core.",
        ]
    )


def details(outcomes: dict[str, Any]) -> str:
    parts = ["## Details", ""]
    for name, outcome in outcomes.items():
        parts.append(f"<details><summary>{name} ({outcome.seconds:.0f} s)</summary>\n")
        if outcome.error:
            parts.append(f"Failed:\n\n```\n{outcome.error.strip()}\n```\n")
        elif outcome.figures is not None:
            parts.append(f"```json\n{json.dumps(outcome.figures, indent=1)}\n```\n")
        else:
            parts.append(f"```\n{outcome.output.strip()}\n```\n")
        parts.append("</details>\n")
    return "\n".join(parts)


def render(context: dict[str, Any]) -> str:
    notes = HERE / "NOTES.md"
    sections = [
        header(context),
        "## Targets",
        table(context["outcomes"]),
        notes.read_text(encoding="utf-8").strip() if notes.exists() else "",
        details(context["outcomes"]),
    ]
    return "\n\n".join(s for s in sections if s) + "\n"
