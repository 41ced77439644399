"""The messages that tell residents a survey opened, in each recipient's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import StartBallot
from handlers.survey_texts import local
from handlers.texts import flat_label
from storage.outbox import Outgoing, enqueue_many, open_broadcast
from storage.residents import flats_by_id
from storage.survey_models import Survey
from storage.surveys import Invitation, definition_of, invitations
from surveys.schema import SurveyKind


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def invitation_message(
    survey: Survey, invitation: Invitation, flat: str | None, i18n: I18n, zone: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup]:
    """The opening notice for one recipient, with the button that starts their ballot."""
    definition = definition_of(survey.definition)
    language = invitation.language or i18n.default_locale
    with i18n.context(), i18n.use_locale(language):
        if definition.kind is SurveyKind.VOTE:
            heading = _("A formal vote has opened: {title}")
        else:
            heading = _("A survey has opened: {title}")
        lines = [heading.format(title=local(definition.title, language))]
        if definition.description is not None:
            lines += ["", local(definition.description, language)]
        if survey.closes_at is not None:
            lines += ["", _("Open until {time}.").format(time=local_time(survey.closes_at, zone))]
        if flat is not None:
            lines.append(_("You answer for {flat}.").format(flat=flat))
        builder = InlineKeyboardBuilder()
        builder.button(
            text=_("Start answering"),
            callback_data=StartBallot(
                survey_id=survey.id, household_id=invitation.household_id or 0
            ),
        )
        return "\n".join(lines), builder.as_markup()


async def announce_opening(
    session: AsyncSession, survey: Survey, i18n: I18n, zone: ZoneInfo
) -> int:
    """Queue the opening notice for everyone who may answer; return how many were queued.
    The outbox sends them at Telegram's pace, once each, even across restarts."""
    invited = await invitations(session, survey)
    flats = await flats_by_id(session, [i.household_id for i in invited if i.household_id])
    broadcast = await open_broadcast(
        session, "survey_opened", compound_id=survey.compound_id, key=f"survey-opened:{survey.id}"
    )
    messages = []
    for invitation in invited:
        language = invitation.language or i18n.default_locale
        with i18n.context(), i18n.use_locale(language):
            flat = flats.get(invitation.household_id or 0)
            label = flat_label(flat) if flat is not None else None
        text, markup = invitation_message(survey, invitation, label, i18n, zone)
        messages.append(
            Outgoing(
                chat_id=invitation.telegram_id,
                text=text,
                reply_markup=markup.model_dump(exclude_none=True),
                key=f"survey-opened:{survey.id}:{invitation.telegram_id}:{invitation.household_id}",
            )
        )
    return await enqueue_many(session, messages, broadcast_id=broadcast)
