"""Moving a campaign from one status code to the next, exactly once.

The intent is written to ``workflow_state`` before the DAM folder is patched, because
once the DAM shows the new status the campaign no longer turns up in the search that
found it; ``recover_moves`` finishes such moves on the next run. The DAM folder is the
truth: when it still shows ``from_``, it is patched to ``to``; when it already shows
``to`` (a crashed run got that far), only what follows is done. The webhook event is
queued under a key naming the campaign, the move and its round, before the move is
recorded, so a crash in between re-queues it as a no-op.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ferrero_daemon import logs
from ferrero_daemon.domain.values import FieldValue
from ferrero_daemon.jobs import RunContext
from ferrero_daemon.services import Services
from ferrero_daemon.store.derivatives import DerivativeStore
from ferrero_daemon.store.events import AssetEvent, EventStore
from ferrero_daemon.store.state import StateStore

log = logs.get_logger(__name__)

_INTENT = "move:"


@dataclass(frozen=True)
class Move:
    campaign_id: str
    number: str
    name: str
    from_: str
    to: str


def _code(value: FieldValue) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    return (value or "").strip().upper()


async def move_campaign(services: Services, run: RunContext, move: Move) -> bool:
    """True when the campaign is now at ``move.to``; False when the DAM shows another status."""
    field = services.config.settings.dam.fields.campaign_status
    folder = await services.dam.get_folder(move.campaign_id)
    status = _code(folder.metadata.get(field))
    if status not in (move.from_, move.to):
        if not run.dry_run:
            await StateStore(services.db).delete(run.job, _intent(move))
        log.warning(
            "campaign_status_unexpected",
            campaign=move.campaign_id,
            expected=move.from_,
            found=status,
        )
        return False
    if run.dry_run:
        log.info("would_move_campaign", campaign=move.campaign_id, from_=move.from_, to=move.to)
        return True
    if status == move.from_:
        await StateStore(services.db).put(run.job, _intent(move), asdict(move))
        await services.dam.update_folder_metadata(move.campaign_id, {field: move.to})
    rounds = await DerivativeStore(services.db).moves_recorded(
        move.campaign_id, move.from_, move.to
    )
    await services.notifier.webhook(
        f"status:{move.campaign_id}:{move.from_}:{move.to}:{rounds}", _event(move, run, services)
    )
    async with services.db.transaction() as tx:
        await DerivativeStore(tx).set_campaign_status(
            move.campaign_id, move.number, move.name, move.to
        )
        await StateStore(tx).delete(run.job, _intent(move))
        await EventStore(tx).record(
            AssetEvent(
                workflow=run.job,
                event="campaign_status_changed",
                run_id=run.run_id,
                campaign_id=move.campaign_id,
                detail={"old": move.from_, "new": move.to},
            )
        )
    log.info("campaign_status_changed", campaign=move.campaign_id, from_=move.from_, to=move.to)
    return True


async def recover_moves(services: Services, run: RunContext) -> list[Move]:
    """Finish the moves a crashed run began; return those now done."""
    done = []
    for key, value in (await StateStore(services.db).items(run.job)).items():
        if key.startswith(_INTENT) and await move_campaign(services, run, Move(**value)):
            log.info("campaign_move_recovered", campaign=value["campaign_id"])
            done.append(Move(**value))
    return done


def _intent(move: Move) -> str:
    return f"{_INTENT}{move.campaign_id}"


def _event(move: Move, run: RunContext, services: Services) -> dict[str, str]:
    return {
        "event": "campaign_status_changed",
        "campaign_id": move.campaign_id,
        "campaign_number": move.number,
        "campaign_name": move.name,
        "old_status": move.from_,
        "new_status": move.to,
        "workflow": run.job,
        "timestamp": services.clock().isoformat(),
    }
