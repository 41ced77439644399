"""Committee commands for surveys: list, close, tally (text and chart), export (XLSX) and
publish. The chart and the workbook are drawn by renderers the application injects
(`render_chart`, `render_export`), keeping Pillow and openpyxl out of the handlers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.shared.filters import Committee, NumberArgument, Sorry
from handlers.shared.replies import Replies
from handlers.shared.texts import building_label, room_label, unit_label
from handlers.surveys.callbacks import ConfirmSurveyStep
from handlers.surveys.notices import local_time
from handlers.surveys.objections import objection_button
from handlers.surveys.sweeps import closed_text
from handlers.surveys.tally_text import tally_text
from storage.outbox.notices import queue_notice
from storage.outbox.queue import Json, Outgoing
from storage.refusals import Refusal, Refused
from storage.surveys.models import InputKind, Survey, SurveyStatus
from storage.surveys.publication import Publication, publication
from storage.surveys.queries import (
    close_survey,
    definition_of,
    eligible_residents,
    publish_survey,
    survey_for_committee,
    surveys_of,
    turnout,
)
from storage.surveys.records import SurveyRecords, non_respondents, survey_records
from storage.surveys.sources import Sources, ballot_sources
from storage.surveys.standing import check_nothing_held
from storage.surveys.tallies import tally_survey
from storage.surveys.vote_inputs import challenge_count, flat_in_survey, record_input
from surveys.numbers import whole_number_or_none
from surveys.voting.results import SurveyTally
from surveys.voting.schema import SurveyDefinition


def status_label(status: SurveyStatus) -> str:
    return {
        SurveyStatus.DRAFT: _("not opened yet"),
        SurveyStatus.OPEN: _("open"),
        SurveyStatus.CLOSED: _("closed"),
        SurveyStatus.PUBLISHED: _("result published"),
    }[status]


def sources_text(sources: Sources, number: int) -> str:
    """Turnout by source, and the ballots the committee still has to look at."""
    lines = [
        _("Counted ballots: {chat} in chat, {paper} on paper, {proxy} by proxy.").format(
            chat=sources.chat, paper=sources.paper, proxy=sources.proxy
        )
    ]
    if sources.waiting_review:
        lines.append(
            _("Paper ballots waiting for review: {count} (/review {number}).").format(
                count=sources.waiting_review, number=number
            )
        )
    if sources.conflicts:
        lines.append(
            _("Flats with conflicting ballots: {count} (/conflicts {number}).").format(
                count=sources.conflicts, number=number
            )
        )
    return "\n".join(lines)


def numbers_listed() -> str:
    return _("/surveys lists the numbers.")


async def list_surveys(
    message: Message, compounds: list[int], session: AsyncSession, replies: Replies
) -> None:
    found = await surveys_of(session, compounds)
    if not found:
        replies.say(_("There are no surveys yet."))
        return
    lines = []
    for survey in found[:30]:
        counts = await turnout(session, survey)
        lines.append(
            _("#{number} {title} — {status}, {submitted} of {eligible} flats answered").format(
                number=survey.id,
                title=survey.title,
                status=status_label(survey.status),
                submitted=counts.submitted,
                eligible=counts.eligible,
            )
        )
    replies.say("\n".join(lines))


def _confirmation(survey_id: int, step: str, label: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=label, callback_data=ConfirmSurveyStep(survey_id=survey_id, step=step))
    builder.button(
        text=_("Cancel"), callback_data=ConfirmSurveyStep(survey_id=survey_id, step="cancel")
    )
    return builder.as_markup()


async def close(
    message: Message,
    number: int,
    compounds: list[int],
    session: AsyncSession,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    """Ask before closing: nobody can answer or change an answer afterwards."""
    survey = await survey_for_committee(session, compounds, number)
    if survey.status is not SurveyStatus.OPEN:
        raise Refused(Refusal.SURVEY_NOT_OPEN)
    assert survey.closes_at is not None
    counts = await turnout(session, survey)
    replies.say(
        _(
            "Close survey #{number} “{title}” now, before its close at {time}? {submitted} of "
            "{eligible} flats have answered; after the close nobody can answer or change an "
            "answer."
        ).format(
            number=survey.id,
            title=survey.title,
            time=local_time(survey.closes_at, zone),
            submitted=counts.submitted,
            eligible=counts.eligible,
        ),
        _confirmation(survey.id, "close", _("Close it")),
    )


MISSING_SHOWN = 60  # flats listed in the chat; the export lists them all

ChartRenderer = Callable[[SurveyDefinition, SurveyTally, str], bytes]
ExportRenderer = Callable[[SurveyDefinition, SurveyTally, SurveyRecords], bytes]
PosterRenderer = Callable[[SurveyDefinition, SurveyTally, Publication], bytes]


async def tally(
    message: Message,
    number: int,
    compounds: list[int],
    session: AsyncSession,
    i18n: I18n,
    replies: Replies,
    render_chart: ChartRenderer,
) -> None:
    survey = await survey_for_committee(session, compounds, number)
    definition = definition_of(survey.definition)
    result = await tally_survey(session, survey)
    language = i18n.current_locale
    running = survey.status is SurveyStatus.OPEN
    text = tally_text(result, definition, language, running=running)
    text += "\n\n" + sources_text(await ballot_sources(session, survey), survey.id)
    if survey.status is SurveyStatus.PUBLISHED:
        objections = _("Objections to the published result: {count} (/export {number} lists them).")
        text += "\n\n" + objections.format(
            count=await challenge_count(session, survey), number=survey.id
        )
    replies.say(text)
    caption = (
        _("Survey #{number} so far: it is still open.")
        if running
        else _("Survey #{number}: the result.")
    )
    replies.photo(
        # Drawn in a short-lived process: waited for off the event loop, which goes on
        # handling everyone else's updates meanwhile.
        await asyncio.to_thread(render_chart, definition, result.without_places(), language),
        caption.format(number=survey.id),
        name=f"survey-{survey.id}.png",
    )
    missing = await non_respondents(session, survey)
    if missing:  # to knock on their doors
        shown = [
            " ".join((building_label(f.building), unit_label(f.unit), room_label(f.room)))
            for f in missing[:MISSING_SHOWN]
        ]
        more = len(missing) - len(shown)
        lines = [_("Not answered yet ({count} flats):").format(count=len(missing)), *shown]
        if more:
            lines.append(_("… and {count} more, listed in /export.").format(count=more))
        replies.say("\n".join(lines))


async def export(
    message: Message,
    number: int,
    compounds: list[int],
    session: AsyncSession,
    replies: Replies,
    render_export: ExportRenderer,
) -> None:
    survey = await survey_for_committee(session, compounds, number)
    definition = definition_of(survey.definition)
    workbook = await asyncio.to_thread(
        render_export,
        definition,
        await tally_survey(session, survey),
        await survey_records(session, survey),
    )
    replies.document(
        workbook,
        f"survey-{survey.id}.xlsx",
        _("Survey #{number}: ballots, result and audit record.").format(number=survey.id),
    )


def _result_notice(
    survey: Survey, result: SurveyTally, definition: SurveyDefinition, language: str, zone: ZoneInfo
) -> tuple[str, Json | None]:
    """The published result as one resident reads it, with the objection button while
    objections are accepted; call it in the reader's locale."""
    assert survey.objections_until is not None and survey.published_at is not None
    heading = _("Result published (公示):")
    figures = tally_text(result, definition, language, running=False)
    if survey.objections_until <= survey.published_at:  # no window when 0 days
        return "\n".join([heading, figures]), None
    until = _("Objections to this result are accepted until {time}.").format(
        time=local_time(survey.objections_until, zone)
    )
    text = "\n".join([heading, figures[: 4000 - len(until)], "", until])
    return text, objection_button(survey.id).model_dump(exclude_none=True)


async def publish(
    message: Message,
    number: int,
    compounds: list[int],
    session: AsyncSession,
    replies: Replies,
) -> None:
    """Ask before publishing: every resident of the scope is told, and it cannot be undone."""
    survey = await survey_for_committee(session, compounds, number)
    if survey.status is not SurveyStatus.CLOSED:
        raise Refused(Refusal.SURVEY_NOT_CLOSED)
    await check_nothing_held(session, survey)  # told before the question, checked again after
    days = definition_of(survey.definition).objection_days
    replies.say(
        _(
            "Publish the result of survey #{number} “{title}” (公示)? Every resident of its "
            "scope is told, objections are accepted for {days} days, and it cannot be undone."
        ).format(number=survey.id, title=survey.title, days=days),
        _confirmation(survey.id, "publish", _("Publish it")),
    )


async def confirmed_step(
    query: CallbackQuery,
    callback_data: ConfirmSurveyStep,
    compounds: list[int],
    session: AsyncSession,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
    render_poster: PosterRenderer,
) -> None:
    survey = await survey_for_committee(session, compounds, callback_data.survey_id)
    if callback_data.step == "close":
        await close_survey(session, survey)  # refused if it closed meanwhile
        replies.edit(closed_text(survey.id, await turnout(session, survey)))
    elif callback_data.step == "publish":
        await _publish(survey, session, i18n, zone, replies, render_poster)
    else:
        replies.edit(_("Cancelled: survey #{number} is unchanged.").format(number=survey.id))


async def _publish(
    survey: Survey,
    session: AsyncSession,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
    render_poster: PosterRenderer,
) -> None:
    """Publish: the result to every resident of the scope, the poster to the member."""
    await publish_survey(session, survey)  # refused if it is not closed (published meanwhile)
    definition = definition_of(survey.definition)
    result = await tally_survey(session, survey)
    texts: dict[str, tuple[str, Json | None]] = {}
    messages = []
    for telegram_id, language in await eligible_residents(session, survey):
        language = language or i18n.default_locale
        if language not in texts:
            with i18n.use_locale(language):
                texts[language] = _result_notice(survey, result, definition, language, zone)
        text, markup = texts[language]
        messages.append(Outgoing(chat_id=telegram_id, text=text, reply_markup=markup))
    queued = await queue_notice(
        session,
        "result_published",
        messages,
        compound_id=survey.compound_id,
        key=f"result:{survey.id}",
        zone=zone,
    )
    replies.edit(
        _("The result of survey #{number} is published; {count} residents will be told.").format(
            number=survey.id, count=queued.count
        )
    )
    poster = await asyncio.to_thread(
        render_poster, definition, result, await publication(session, survey)
    )
    replies.document(
        poster,
        f"survey-{survey.id}-result.pdf",
        _("The result of survey #{number} to print and post (公示).").format(number=survey.id),
    )


PAPER_KINDS = {
    "objection": InputKind.OBJECTION,
    "反对": InputKind.OBJECTION,
    "affected": InputKind.AFFECTED,
    "受影响": InputKind.AFFECTED,
    "consent": InputKind.CONSENT,
    "同意": InputKind.CONSENT,
}


async def record_paper(
    message: Message,
    command: CommandObject,
    compounds: list[int],
    session: AsyncSession,
    replies: Replies,
) -> None:
    """`/paper N FLAT KIND`: a written objection, an affected flat or its consent, received on
    paper, for a flat of survey N's scope."""
    parts = (command.args or "").split()
    number = whole_number_or_none(parts[0]) if len(parts) == 3 else None
    if number is None or parts[2] not in PAPER_KINDS:
        raise Sorry(
            _(
                "Send /paper, the survey number, the flat and what was handed in: "
                "反对 (a written objection), 受影响 (a flat directly affected) or 同意 (its "
                "consent), for example /paper 3 3栋/2单元/501 反对."
            )
        )
    flat, kind = parts[1], PAPER_KINDS[parts[2]]
    survey = await survey_for_committee(session, compounds, number)
    try:
        household_id = await flat_in_survey(session, survey, flat)
    except LookupError:
        raise Sorry(
            _("{flat} is not a flat of survey #{number}.").format(flat=flat, number=number)
        ) from None
    recorded = await record_input(session, survey, household_id, kind)
    reply = (
        _("Recorded for survey #{number}. /tally {number} counts it.")
        if recorded
        else _("This was already recorded for survey #{number}.")
    )
    replies.say(reply.format(number=number))


def build_router() -> Router:
    router = Router(name="survey_committee")
    numbered = (Committee(), NumberArgument(numbers_listed))
    router.message.register(record_paper, Command("paper"), Committee())
    router.message.register(list_surveys, Command("surveys"), Committee())
    router.message.register(close, Command("close"), *numbered)
    router.message.register(tally, Command("tally"), *numbered)
    router.message.register(export, Command("export"), *numbered)
    router.message.register(publish, Command("publish"), *numbered)
    router.callback_query.register(confirmed_step, ConfirmSurveyStep.filter(), Committee())
    return router
