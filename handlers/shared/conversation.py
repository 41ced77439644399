"""The filter that routes a message to the multi-step chat its sender is in (writing a
complaint, typing a pledge or a committee note): the step lives in the database."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from storage.conversations.steps import step_of
from storage.models import Resident


class InStep(Filter):
    """Matches when the sender's step belongs to `flow` (and is not a command); hands the
    handler the step's parts after the flow name as `step`."""

    def __init__(self, flow: str) -> None:
        self.flow = flow

    async def __call__(
        self,
        message: Message,
        session: AsyncSession | None = None,
        resident: Resident | None = None,
    ) -> bool | dict[str, Any]:
        if session is None or resident is None or (message.text or "").startswith("/"):
            return False
        step = await step_of(session, resident)
        flow, _, rest = (step or "").partition(":")
        return {"step": rest.split(":")} if flow == self.flow else False
