"""Filters shared by the features: who is on the committee, and a command's number argument.

Both run inside the refusal middleware, so what they raise is answered in the person's
language and nothing else handles the update."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram.filters import CommandObject, Filter
from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from storage.committee import compounds_of
from storage.refusals import Refusal, Refused
from surveys.numbers import whole_number_or_none


class Sorry(Exception):
    """A refusal whose sentence is already written, in the reader's language."""

    def __init__(self, text: str) -> None:
        super().__init__("refused with a sentence")  # the text may quote the person: not here
        self.text = text


class Committee(Filter):
    """A committee member passes, with the compounds they serve as `compounds`; anyone else
    is told that this is the committee's to do."""

    async def __call__(
        self, event: TelegramObject, session: AsyncSession, event_from_user: User
    ) -> dict[str, Any]:
        compounds = await compounds_of(session, event_from_user.id)
        if not compounds:
            raise Refused(Refusal.NOT_COMMITTEE)
        return {"compounds": compounds}


class NumberArgument(Filter):
    """`/<command> N`: hands the handler `number`; anything else is answered with how to
    write the command. `what` names the number in the example (a survey, a drive…)."""

    def __init__(self, usage: Callable[[], str] | None = None) -> None:
        self.usage = usage

    async def __call__(self, event: TelegramObject, command: CommandObject) -> dict[str, Any]:
        number = whole_number_or_none(command.args or "")
        if number is None:
            how = _("Send /{command} followed by a number, for example /{command} 3.").format(
                command=command.command
            )
            if self.usage is not None:  # Chinese sentences join without a space
                how = _("{sentence} {next_sentence}").format(
                    sentence=how, next_sentence=self.usage()
                )
            raise Sorry(how)
        return {"number": number}
