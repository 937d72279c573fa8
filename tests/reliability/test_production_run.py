"""The production ``ferrero-daemon run`` runs the jobs of ``jobs.JOBS`` and nothing else.

The code scans (``test_code_access.py``) say no environment variable chooses a module;
here the real command is started with the old override variable set, pointing a job at
a module that marks the disk when imported, and must run the real job instead.
"""

from __future__ import annotations

import pytest

from tests.reliability.world import World

pytestmark = pytest.mark.full


async def test_the_old_job_override_variable_changes_nothing(world: World) -> None:
    mark = world.workdir / "planted.mark"
    world.daemon.production = True
    world.daemon.env.update({
        "FERRERO_JOB_OVERRIDES": "a2_a3=tests.reliability.planted_job:run",
        "RELIABILITY_PLANTED_MARK": str(mark),
    })  # fmt: skip
    await world.daemon.start()
    result = await world.daemon.trigger("a2_a3")
    assert result.code == 0 and "planted" not in result.stdout
    finished = world.daemon.find("run_finished", job="a2_a3")
    assert finished and "planted" not in finished[0]
    assert not mark.exists()  # the module was never imported
