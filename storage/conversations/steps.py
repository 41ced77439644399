"""The step a person is at in a multi-step chat: read, set and cleared inside the update's
transaction (see storage.conversations.models)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.conversations.models import ConversationStep
from storage.models import Resident, utcnow


async def step_of(session: AsyncSession, resident: Resident) -> str | None:
    row = await session.get(ConversationStep, resident.id)
    return None if row is None else row.step


async def set_step(session: AsyncSession, resident: Resident, step: str) -> None:
    """Await `step` next; a survey answer being typed gives way, one question at a time."""
    resident.awaiting_answer = None
    row = await session.get(ConversationStep, resident.id)
    if row is None:
        session.add(ConversationStep(resident_id=resident.id, step=step))
    else:
        row.step, row.updated_at = step, utcnow()
    await session.flush()


async def clear_step(session: AsyncSession, resident: Resident) -> None:
    await session.execute(
        delete(ConversationStep).where(ConversationStep.resident_id == resident.id)
    )
