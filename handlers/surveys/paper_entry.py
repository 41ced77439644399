"""The step after a paper ballot's last answer: the photo of the signed sheet. Kept apart
from `handlers.surveys.paper` so that the answering flow, which paper ballots reuse, can
reach it without importing the paper commands."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.surveys.ballot_view import answer_lines
from handlers.surveys.callbacks import PaperPress
from surveys.voting.flow import Progress
from surveys.voting.schema import SurveyDefinition, SurveyKind


class PaperEntry(StatesGroup):
    photo = State()  # data: ballot


def photo_prompt(
    definition: SurveyDefinition, ballot_id: int, where: Progress, language: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """What was entered, and the request for the photo; an opinion survey may do without."""
    lines = [
        _("Entered from the paper sheet:"),
        *answer_lines(where, language),
        "",
        _("Check them against the sheet, then send a photo of the signed sheet."),
    ]
    if definition.kind is SurveyKind.VOTE:
        return "\n".join(lines), None
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Hand in without a photo"),
        callback_data=PaperPress(ballot_id=ballot_id, action="nophoto"),
    )
    return "\n".join(lines), builder.as_markup()
