"""The client protocols mark each method ``@reads`` or ``@writes`` once; a dry run refuses
exactly the writes, and the crash tests kill the process after exactly the writes."""

from __future__ import annotations

import inspect
from typing import Any, Protocol

import pytest

from ferrero_daemon.clients import types
from ferrero_daemon.clients.dryrun import ReadOnlyBox, ReadOnlyDam, RecordingNotifier
from ferrero_daemon.clients.types import BoxClient, DamClient, Notifier, effect, methods
from ferrero_daemon.errors import DryRunRefused
from tests.crash import Fuse, Fused

PROTOCOLS = [
    cls
    for cls in vars(types).values()
    if inspect.isclass(cls) and cls.__module__ == types.__name__ and Protocol in cls.__bases__
]
METHODS = [(p, name) for p in PROTOCOLS for name in types.protocol_methods(p)]


class Recorder:
    """Stands for the real client: records each call, sync or async as the protocol says."""

    def __init__(self, protocol: type) -> None:
        self.protocol = protocol
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        def sync(*args: Any, **kwargs: Any) -> list[Any]:
            self.calls.append(name)
            return []  # an empty answer: nothing found, nothing listed

        async def coro(*args: Any, **kwargs: Any) -> list[Any]:
            return sync()

        return coro if inspect.iscoroutinefunction(getattr(self.protocol, name)) else sync


async def call(client: Any, protocol: type, name: str) -> Any:
    arguments = ["x" for p in inspect.signature(getattr(protocol, name)).parameters.values()][
        1:
    ]  # every argument a placeholder: only where the call goes matters here
    result = getattr(client, name)(*arguments)
    return await result if inspect.isawaitable(result) else result


def test_the_protocols_are_found() -> None:
    assert {DamClient, BoxClient, Notifier} <= set(PROTOCOLS)


@pytest.mark.parametrize(
    ("protocol", "name"), METHODS, ids=[f"{p.__name__}.{n}" for p, n in METHODS]
)
def test_every_protocol_method_is_marked_a_read_or_a_write(protocol: type, name: str) -> None:
    assert effect(protocol, name) in ("read", "write"), (
        f"{protocol.__name__}.{name} is marked neither @reads nor @writes in clients/types.py: "
        "mark it, so that a dry run and the crash tests know whether it changes something"
    )


@pytest.mark.parametrize(
    ("protocol", "wrapper"), [(DamClient, ReadOnlyDam), (BoxClient, ReadOnlyBox)]
)
async def test_a_dry_run_refuses_every_write_and_passes_every_read(
    protocol: type, wrapper: type
) -> None:
    inner = Recorder(protocol)
    read_only = wrapper(inner)

    for name in sorted(methods(protocol, "write")):
        with pytest.raises(DryRunRefused, match=f"dry run: refused .*{name}"):
            await call(read_only, protocol, name)
    for name in sorted(methods(protocol, "read")):
        await call(read_only, protocol, name)

    assert set(inner.calls) <= methods(protocol, "read") | {"list_folder"}  # ensure_folder looks
    assert methods(protocol, "read") <= set(inner.calls)


async def test_a_dry_run_records_every_announcement_and_queues_none() -> None:
    recorder = RecordingNotifier()
    for name in methods(Notifier, "write"):
        assert callable(getattr(recorder, name, None)), f"RecordingNotifier lacks {name}"


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda p: p.__name__)
async def test_the_crash_harness_steps_after_each_write_and_after_no_read(protocol: type) -> None:
    fuse = Fuse()
    client = Fused(Recorder(protocol), fuse, protocol, "client")

    for name in types.protocol_methods(protocol):
        await call(client, protocol, name)

    assert sorted(fuse.steps) == sorted(f"client.{n}" for n in methods(protocol, "write"))
