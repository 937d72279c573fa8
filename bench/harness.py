"""What the benchmarks share: the machine, processes' CPU and memory, and the emulators.

Every figure a benchmark prints comes from here, in the same units: MB is 10^6 bytes
(RSS too), MB/s likewise, CPU in seconds of one core. Process figures are read from
``/proc/<pid>``: ``VmHWM`` is the peak RSS since the process started (or since
``reset_peak``), ``utime + stime`` its CPU time, threads included.

``EmulatorProcess`` runs ``ferrero-daemon emulate NAME`` as its own process, so that
the daemon (or a client under test) is measured alone and the emulators use the
other core rather than the measured process's event loop.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MB = 1_000_000
TICK = os.sysconf("SC_CLK_TCK")


# -- one process ----------------------------------------------------------------------


def _status(pid: int | str, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024 / MB
    return float("nan")


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory now."""
    return _status(pid, "VmRSS")


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak resident memory since start (or since ``reset_peak``)."""
    return _status(pid, "VmHWM")


def reset_peak(pid: int | str = "self") -> None:
    """Start ``VmHWM`` again from the current RSS (Linux ≥ 4.0: clear_refs 5)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of the whole process (every thread, live or ended)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def cpu_seconds_fine(pid: int | str = "self") -> float:
    """CPU time of the live threads, in nanoseconds from the scheduler (not 10 ms ticks)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue  # a thread that just ended
    return total / 1e9


# -- the machine ----------------------------------------------------------------------


def load_average() -> tuple[float, float, float]:
    one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
    return float(one), float(five), float(fifteen)


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    memory = _meminfo("MemTotal")
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(memory / 1e9, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "curl": _first_line(["curl", "--version"]),
    }


def _meminfo(key: str) -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return float("nan")


def _first_line(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, check=False).stdout
    except FileNotFoundError:
        return "missing"
    return " ".join(out.splitlines()[0].split()[:2]) if out else "unknown"


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    sha = git("rev-parse", "--short=10", "HEAD") or "unknown"
    return sha + ("+dirty" if git("status", "--porcelain", "--", "ferrero_daemon") else "")


# -- repeated measurements --------------------------------------------------------------


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def timed(step: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = step()
    return time.perf_counter() - started, result


def emit(figures: dict[str, Any]) -> None:
    """The one line ``run.py`` reads from a benchmark: JSON on stdout, last line."""
    print(json.dumps(figures), flush=True)


# -- emulators in their own processes ---------------------------------------------------


class EmulatorProcess:
    """``ferrero-daemon emulate NAME`` as a child process; its admin API over HTTP."""

    def __init__(self, name: str, data_dir: Path | None = None) -> None:
        self.name = name
        self.data_dir = data_dir
        self.proc: subprocess.Popen[str] | None = None
        self.base_url = ""

    def spawn(self) -> None:
        """Start the process; ``start`` then waits for its URL (start others meanwhile)."""
        argv = [sys.executable, "-m", "ferrero_daemon", "emulate", self.name]
        if self.data_dir is not None:
            argv += ["--data-dir", str(self.data_dir)]
        self.proc = subprocess.Popen(
            argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )

    def start(self) -> str:
        if self.proc is None:
            self.spawn()
        assert self.proc is not None and self.proc.stdout is not None
        self.base_url = self.proc.stdout.readline().strip()
        if not self.base_url.startswith("http"):
            raise RuntimeError(f"emulator {self.name} did not start")
        return self.base_url

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def admin(self, path: str, body: Any = None, method: str | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.base_url}/_admin/{path}",
            data=data,
            method=method or ("POST" if data is not None else "GET"),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=600) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{self.name} admin {path}: {exc.code} {exc.read()!r}") from None

    def request_count(self) -> int:
        return sum(1 for r in self.admin("requests") if not r["path"].startswith("/_admin/"))
