"""The daemon starts without paying for llama-cloud-services (about 3 s to import)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = """
import sys
import ferrero_daemon.clients.creativex as creativex
from ferrero_daemon.sandbox import llamacloud
client = creativex.CreativeXClient("llx-key", "http://127.0.0.1:9", "Creativex-Extract")
loaded = sorted(m for m in sys.modules if m.startswith(("llama_cloud", "llama_index")))
print(loaded)
"""


def test_importing_the_client_and_the_emulator_does_not_import_the_sdk() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
