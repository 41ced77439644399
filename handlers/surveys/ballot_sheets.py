"""`/ballots N`: the printable paper ballots of survey N, one A4 sheet per flat, as a PDF in
the chat; `/ballots N 未投票` only the flats that have not voted, for the door-to-door round
(入户征询). The PDF is drawn by a renderer the application injects (`render_ballots`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.shared.filters import Committee, Sorry
from handlers.shared.replies import Replies
from handlers.shared.texts import building_label, room_label, unit_label
from handlers.surveys.notices import local_time
from storage.models import Compound
from storage.surveys.models import Survey
from storage.surveys.queries import definition_of, survey_for_committee
from storage.surveys.records import flats_to_print
from surveys.joining.tokens import deep_link
from surveys.numbers import whole_number_or_none
from surveys.voting.schema import SurveyDefinition
from surveys.voting.sheets import SheetFlat, SheetHeading, sign_sheet

BallotRenderer = Callable[[SurveyDefinition, SheetHeading, Sequence[SheetFlat]], bytes]
NOT_VOTED = ("未投票", "not-voted")


async def sheets_of(
    session: AsyncSession,
    survey: Survey,
    *,
    bot_username: str,
    key: str,
    zone: ZoneInfo,
    i18n: I18n,
    building: str | None = None,
    unit: str | None = None,
    not_voted: bool = False,
) -> tuple[SheetHeading, list[SheetFlat]]:
    """What the sheets print, in the compound's language (the default locale): the heading,
    and each flat with its area and the deep link its QR code carries."""
    compound = await session.get_one(Compound, survey.compound_id)
    flats = await flats_to_print(session, survey, building=building, unit=unit, not_voted=not_voted)
    closes = None if survey.closes_at is None else local_time(survey.closes_at, zone)
    with i18n.context(), i18n.use_locale(i18n.default_locale):
        sheets = [
            SheetFlat(
                label=" ".join(
                    (building_label(place.building), unit_label(place.unit), room_label(place.room))
                ),
                area=area,
                url=deep_link(bot_username, sign_sheet(survey.id, place.household_id, key)),
            )
            for place, area in flats
        ]
    return SheetHeading(compound.name, survey.id, closes), sheets


async def ballots(
    message: Message,
    command: CommandObject,
    compounds: list[int],
    session: AsyncSession,
    bot_username: str | None,
    join_key: str,
    zone: ZoneInfo,
    i18n: I18n,
    replies: Replies,
    render_ballots: BallotRenderer,
) -> None:
    parts = (command.args or "").split()
    number = whole_number_or_none(parts[0]) if parts else None
    if number is None or len(parts) > 2 or (len(parts) == 2 and parts[1] not in NOT_VOTED):
        raise Sorry(
            _(
                "Send /ballots and the survey number, for example /ballots 3, for a paper "
                "ballot per flat; /ballots 3 未投票 for the flats that have not voted."
            )
        )
    if bot_username is None:
        raise Sorry(_("The operator must set LINLI_BOT_USERNAME: the sheets' QR codes need it."))
    not_voted = len(parts) == 2
    survey = await survey_for_committee(session, compounds, number)
    heading, sheets = await sheets_of(
        session,
        survey,
        bot_username=bot_username,
        key=join_key,
        zone=zone,
        i18n=i18n,
        not_voted=not_voted,
    )
    if not sheets:
        replies.say(_("Every flat of survey #{number} has voted.").format(number=number))
        return
    definition = definition_of(survey.definition)
    pdf = await asyncio.to_thread(render_ballots, definition, heading, sheets)
    caption = _("Survey #{number}: {count} paper ballots, one A4 sheet per flat.")
    replies.document(
        pdf,
        f"ballots-{survey.id}.pdf",
        caption.format(number=survey.id, count=len(sheets)),
    )


def build_router() -> Router:
    router = Router(name="ballot_sheets")
    router.message.register(ballots, Command("ballots"), Committee())
    return router
