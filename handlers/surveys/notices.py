"""The messages that tell residents a survey opened, in each recipient's language."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.shared.texts import flat_label
from handlers.surveys.callbacks import StartBallot
from handlers.surveys.texts import local
from storage.outbox.notices import queue_notice
from storage.outbox.queue import Outgoing
from storage.residents import flats_by_id
from storage.surveys.models import Survey
from storage.surveys.queries import Invitation, definition_of, invitations
from surveys.voting.schema import SurveyKind


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


Compose = Callable[
    [Survey, Invitation, str | None, I18n, ZoneInfo], tuple[str, InlineKeyboardMarkup]
]


def start_keyboard(survey: Survey, invitation: Invitation) -> InlineKeyboardMarkup:
    """The button that starts the recipient's ballot, on the opening notice and on every
    reminder; call it in the recipient's locale."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Start answering"),
        callback_data=StartBallot(survey_id=survey.id, household_id=invitation.household_id or 0),
    )
    return builder.as_markup()


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
        return "\n".join(lines), start_keyboard(survey, invitation)


def reminder_message(
    survey: Survey, invitation: Invitation, flat: str | None, i18n: I18n, zone: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup]:
    """A reminder to someone who has not finished answering, with the same button."""
    definition = definition_of(survey.definition)
    language = invitation.language or i18n.default_locale
    assert survey.closes_at is not None  # only open surveys are reminded of
    with i18n.context(), i18n.use_locale(language):
        if definition.kind is SurveyKind.VOTE:
            heading = _(
                "Reminder: the formal vote “{title}” closes at {time}, "
                "and you have not finished voting."
            )
        else:
            heading = _(
                "Reminder: the survey “{title}” closes at {time}, "
                "and you have not finished answering."
            )
        lines = [
            heading.format(
                title=local(definition.title, language), time=local_time(survey.closes_at, zone)
            )
        ]
        if flat is not None:
            lines.append(_("You answer for {flat}.").format(flat=flat))
        return "\n".join(lines), start_keyboard(survey, invitation)


async def survey_notices(
    session: AsyncSession,
    survey: Survey,
    invited: Sequence[Invitation],
    compose: Compose,
    key: str,
    i18n: I18n,
    zone: ZoneInfo,
) -> list[Outgoing]:
    """One message per invitation, each in its reader's language and keyed under `key`, so
    that queueing them again sends nothing twice."""
    flats = await flats_by_id(session, [i.household_id for i in invited if i.household_id])
    messages = []
    for invitation in invited:
        language = invitation.language or i18n.default_locale
        with i18n.context(), i18n.use_locale(language):
            flat = flats.get(invitation.household_id or 0)
            label = flat_label(flat) if flat is not None else None
        text, markup = compose(survey, invitation, label, i18n, zone)
        messages.append(
            Outgoing(
                chat_id=invitation.telegram_id,
                text=text,
                reply_markup=markup.model_dump(exclude_none=True),
                key=f"{key}:{invitation.telegram_id}:{invitation.household_id}",
            )
        )
    return messages


async def announce_opening(
    session: AsyncSession, survey: Survey, i18n: I18n, zone: ZoneInfo
) -> int:
    """Queue the opening notice for everyone who may answer; return how many were queued.
    The outbox sends them at Telegram's pace, once each, even across restarts."""
    key = f"survey-opened:{survey.id}"
    invited = await invitations(session, survey)
    messages = await survey_notices(session, survey, invited, invitation_message, key, i18n, zone)
    queued = await queue_notice(
        session, "survey_opened", messages, compound_id=survey.compound_id, key=key, zone=zone
    )
    return queued.count
