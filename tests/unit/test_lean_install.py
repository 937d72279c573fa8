"""Production installs without the sandbox extra: the daemon never imports an emulator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

DAEMON_IMPORTS = """
import sys
from ferrero_daemon import cli
cli.build_parser()
import ferrero_daemon.runtime.daemon, ferrero_daemon.commands.run, ferrero_daemon.services
for job in ("a1_a2", "a2_a3", "a5_a6", "b1_b2", "creativex", "daily_report", "backup_daily"):
    from ferrero_daemon import jobs
    jobs.resolve(job)
heavy = ("aiohttp", "aiosmtpd", "pgserver", "tomli_w")  # tomli_w: import-env's, on demand
loaded = sorted(
    m for m in sys.modules
    if m.split(".")[0] in heavy
    or (m.startswith("ferrero_daemon.sandbox.") and m != "ferrero_daemon.sandbox.emulators")
)
print(loaded)
"""

WITHOUT_EXTRA = """
import sys
for name in ("aiohttp", "aiosmtpd", "pgserver"):
    sys.modules[name] = None  # as if the [sandbox] extra were not installed
from ferrero_daemon import cli
sys.exit(cli.main(sys.argv[1:]))
"""


def _python(program: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", program, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_daemon_and_its_jobs_import_no_emulator_and_no_sandbox_dependency() -> None:
    result = _python(DAEMON_IMPORTS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_daemon_starts_without_box_sdk_which_is_loaded_on_the_first_token() -> None:
    """boxsdk (and its requests stack) mints Box tokens; it is imported on the first mint."""
    program = DAEMON_IMPORTS.split("heavy = ", maxsplit=1)[0] + (
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('box_sdk_gen', 'boxsdk', 'requests')))"
    )
    result = _python(program)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_sandbox_and_emulate_without_the_extra_say_what_to_install() -> None:
    for argv in (["sandbox"], ["emulate", "box"]):
        result = _python(WITHOUT_EXTRA, *argv)
        assert result.returncode == 69  # EX_UNAVAILABLE: a support program is missing
        assert "pip install 'ferrero-daemon[sandbox]'" in result.stderr
        assert "Traceback" not in result.stderr


def test_version_prints_the_installed_version() -> None:
    result = _python("from ferrero_daemon import cli; cli.main(['--version'])")
    assert result.stdout.startswith("ferrero-daemon ")
    assert "unknown" not in result.stdout
