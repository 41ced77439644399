"""Committee commands for surveys: list, close, tally (text and chart), export (XLSX) and
publish. The chart and the workbook are drawn by renderers the application injects
(`render_chart`, `render_export`), keeping matplotlib and openpyxl out of the handlers."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.shared.texts import building_label, refusal_text, room_label, unit_label
from handlers.surveys.notices import local_time
from handlers.surveys.objections import objection_button
from handlers.surveys.tally_text import tally_text
from storage.committee import compounds_of
from storage.outbox.notices import queue_notice
from storage.outbox.queue import Json, Outgoing
from storage.refusals import Refusal, Refused
from storage.surveys.models import InputKind, Survey, SurveyStatus
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
from storage.surveys.tallies import tally_survey
from storage.surveys.vote_inputs import challenge_count, flat_in_survey, record_input
from surveys.voting.results import SurveyTally
from surveys.voting.schema import SurveyDefinition


def status_label(status: SurveyStatus) -> str:
    return {
        SurveyStatus.DRAFT: _("not opened yet"),
        SurveyStatus.OPEN: _("open"),
        SurveyStatus.CLOSED: _("closed"),
        SurveyStatus.PUBLISHED: _("result published"),
    }[status]


async def survey_number(message: Message, command: CommandObject) -> int | None:
    """The N of `/<command> N`; else say how to write it."""
    number = (command.args or "").strip().lstrip("#")
    if number.isdigit():
        return int(number)
    await message.answer(
        _(
            "Send /{command} followed by the survey number, for example /{command} 3. "
            "/surveys lists the numbers."
        ).format(command=command.command)
    )
    return None


async def named_survey(
    message: Message, command: CommandObject, session: AsyncSession
) -> Survey | None:
    """The survey `/<command> N` names, if the sender is on its committee; else say why."""
    assert message.from_user is not None
    number = await survey_number(message, command)
    if number is None:
        return None
    try:
        return await survey_for_committee(session, message.from_user.id, number)
    except Refused as refused:
        await message.answer(refusal_text(refused.reason))
        return None


async def list_surveys(message: Message, session: AsyncSession) -> None:
    assert message.from_user is not None
    compounds = await compounds_of(session, message.from_user.id)
    if not compounds:
        await message.answer(refusal_text(Refusal.NOT_COMMITTEE))
        return
    found = await surveys_of(session, compounds)
    if not found:
        await message.answer(_("There are no surveys yet."))
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
    await message.answer("\n".join(lines))


async def close(message: Message, command: CommandObject, session: AsyncSession) -> None:
    survey = await named_survey(message, command, session)
    if survey is None:
        return
    try:
        await close_survey(session, survey)
    except Refused as refused:
        await message.answer(refusal_text(refused.reason))
        return
    counts = await turnout(session, survey)
    await message.answer(
        _(
            "Survey #{number} is closed: {submitted} of {eligible} flats answered. "
            "/tally {number} shows the result."
        ).format(number=survey.id, submitted=counts.submitted, eligible=counts.eligible)
    )


MISSING_SHOWN = 60  # flats listed in the chat; the export lists them all

ChartRenderer = Callable[[SurveyDefinition, SurveyTally, str], bytes]
ExportRenderer = Callable[[SurveyDefinition, SurveyTally, SurveyRecords], bytes]


async def tally(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    i18n: I18n,
    render_chart: ChartRenderer,
) -> None:
    survey = await named_survey(message, command, session)
    if survey is None:
        return
    definition = definition_of(survey.definition)
    result = await tally_survey(session, survey)
    language = i18n.current_locale
    text = tally_text(result, definition, language)
    if survey.status is SurveyStatus.PUBLISHED:
        objections = _("Objections to the published result: {count} (/export {number} lists them).")
        text += "\n\n" + objections.format(
            count=await challenge_count(session, survey), number=survey.id
        )
    await message.answer(text[:4096])
    chart = render_chart(definition, result, language)
    await message.answer_photo(BufferedInputFile(chart, f"survey-{survey.id}.png"))
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
        await message.answer("\n".join(lines))


async def export(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    render_export: ExportRenderer,
) -> None:
    survey = await named_survey(message, command, session)
    if survey is None:
        return
    definition = definition_of(survey.definition)
    workbook = render_export(
        definition, await tally_survey(session, survey), await survey_records(session, survey)
    )
    await message.answer_document(
        BufferedInputFile(workbook, f"survey-{survey.id}.xlsx"),
        caption=_("Survey #{number}: ballots, result and audit record.").format(number=survey.id),
    )


async def publish(
    message: Message, command: CommandObject, session: AsyncSession, i18n: I18n, zone: ZoneInfo
) -> None:
    survey = await named_survey(message, command, session)
    if survey is None:
        return
    try:
        await publish_survey(session, survey)
    except Refused as refused:
        await message.answer(refusal_text(refused.reason))
        return
    definition = definition_of(survey.definition)
    result = await tally_survey(session, survey)
    assert survey.objections_until is not None
    window = survey.objections_until > survey.published_at  # no window when 0 days
    texts: dict[str, tuple[str, Json | None]] = {}
    messages = []
    for telegram_id, language in await eligible_residents(session, survey):
        language = language or i18n.default_locale
        if language not in texts:
            with i18n.use_locale(language):
                figures = tally_text(result, definition, language)
                heading = _("Result published (公示):")
                if not window:
                    texts[language] = ("\n".join([heading, figures])[:4096], None)
                else:
                    until = _("Objections to this result are accepted until {time}.").format(
                        time=local_time(survey.objections_until, zone)
                    )
                    text = "\n".join([heading, figures[: 4000 - len(until)], "", until])
                    markup = objection_button(survey.id).model_dump(exclude_none=True)
                    texts[language] = (text, markup)
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
    await message.answer(
        _("The result of survey #{number} is published; {count} residents will be told.").format(
            number=survey.id, count=queued.count
        )
    )


PAPER_KINDS = {
    "objection": InputKind.OBJECTION,
    "反对": InputKind.OBJECTION,
    "affected": InputKind.AFFECTED,
    "受影响": InputKind.AFFECTED,
    "consent": InputKind.CONSENT,
    "同意": InputKind.CONSENT,
}


async def record_paper(message: Message, command: CommandObject, session: AsyncSession) -> None:
    """`/paper N FLAT KIND`: a written objection, an affected flat or its consent, received on
    paper, for a flat of survey N's scope."""
    parts = (command.args or "").split()
    if len(parts) != 3 or not parts[0].lstrip("#").isdigit() or parts[2] not in PAPER_KINDS:
        await message.answer(
            _(
                "Send /paper, the survey number, the flat and what was handed in: "
                "反对 (a written objection), 受影响 (a flat directly affected) or 同意 (its "
                "consent), for example /paper 3 3栋/2单元/501 反对."
            )
        )
        return
    number, flat, kind = int(parts[0].lstrip("#")), parts[1], PAPER_KINDS[parts[2]]
    assert message.from_user is not None
    try:
        survey = await survey_for_committee(session, message.from_user.id, number)
        household_id = await flat_in_survey(session, survey, flat)
        recorded = await record_input(session, survey, household_id, kind)
    except Refused as refused:
        await message.answer(refusal_text(refused.reason))
        return
    except LookupError:
        await message.answer(
            _("{flat} is not a flat of survey #{number}.").format(flat=flat, number=number)
        )
        return
    reply = (
        _("Recorded for survey #{number}. /tally {number} counts it.")
        if recorded
        else _("This was already recorded for survey #{number}.")
    )
    await message.answer(reply.format(number=number))


def build_router() -> Router:
    router = Router(name="survey_committee")
    router.message.register(record_paper, Command("paper"))
    router.message.register(list_surveys, Command("surveys"))
    router.message.register(close, Command("close"))
    router.message.register(tally, Command("tally"))
    router.message.register(export, Command("export"))
    router.message.register(publish, Command("publish"))
    return router
