"""A resident answers a whole survey on one page: every question in one form, conditional
questions shown as the answers they depend on are given (by the page's script, or after
saving without it). Saving goes through `validate_answer` and `record_answer`, as the chat's
buttons do, on the same ballot: a ballot started in the chat can be finished here and the
reverse. What was recorded is confirmed in the chat too, with the chat's receipt.

A required question left blank is left for later rather than refused, so a long survey can
be saved halfway; an answer that does not pass is shown with the reason and nothing of that
save is recorded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy.ext.asyncio import AsyncSession

from bot.web.signin import check_form, see_other, visitor
from bot.web.site import LANGUAGE, PREFIX, render, site_of
from handlers.drives.texts import linked_share_notice
from handlers.surveys.ballot_view import receipt
from handlers.surveys.texts import agree_label, local, rejection_text
from storage.models import Resident
from storage.outbox.queue import REPLY_PRIORITY, Outgoing, enqueue
from storage.surveys.ballots import answers_of, ballot_for, ballot_of, record_answer
from storage.surveys.models import Ballot, Survey
from storage.surveys.queries import definition_of, member_flat, open_survey_of
from surveys.voting.decision import Answer
from surveys.voting.flow import AnswerRejected, AnswerValue, Progress, progress, validate_answer
from surveys.voting.questions import (
    RATING_SCALE,
    AgreeQuestion,
    ChoiceQuestion,
    MultipleChoice,
    Question,
    Ranking,
    Rating,
)
from surveys.voting.schema import SurveyDefinition

Answers = dict[str, AnswerValue | None]


@dataclass(frozen=True)
class Field:
    """One question as the form shows it."""

    question: Question
    number: int
    text: str
    options: list[tuple[str, str]]  # (value, label) for buttons of a choice
    shown: bool
    chosen: list[str]  # the answer as the form's values, in order
    error: str | None


def _options(question: Question, language: str) -> list[tuple[str, str]]:
    if isinstance(question, AgreeQuestion):
        return [(answer.value, agree_label(answer)) for answer in Answer]
    if isinstance(question, ChoiceQuestion):
        return [(option.id, local(option.text, language)) for option in question.options]
    if isinstance(question, Rating):
        return [(str(score), str(score)) for score in RATING_SCALE]
    return []


def _as_form(question: Question, value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(question, MultipleChoice) and isinstance(value, frozenset):
        return [option for option in question.option_ids if option in value]
    if isinstance(value, tuple | list):  # a ranking's answer, or what a form posted
        return [str(each) for each in value]
    return [str(value)]


def _raw(question: Question, form: MultiDictProxy[str]) -> object:
    """What the form holds for a question, as `validate_answer` takes it."""
    name = f"q-{question.id}"
    if isinstance(question, MultipleChoice):
        return form.getall(name, [])
    if isinstance(question, Ranking):
        places = (form.get(f"{name}-{place}", "") for place in range(1, question.top + 1))
        return [pick for pick in places if pick]
    return form.get(name, "")


def _fields(
    definition: SurveyDefinition,
    where: Progress,
    language: str,
    posted: MultiDictProxy[str] | None = None,
    errors: dict[str, str] | None = None,
) -> list[Field]:
    visible = {question.id for question in where.visible}
    fields = []
    for number, question in enumerate(definition.questions, start=1):
        chosen = (
            _as_form(question, where.answers.get(question.id))
            if posted is None
            else _as_form(question, _raw(question, posted))
        )
        fields.append(
            Field(
                question,
                number,
                local(question.text, language),
                _options(question, language),
                question.id in visible,
                chosen,
                (errors or {}).get(question.id),
            )
        )
    return fields


async def _ballot(session: AsyncSession, resident: Resident, number: int) -> tuple[Survey, Ballot]:
    survey = await open_survey_of(session, number)
    flat = await member_flat(session, resident, survey)
    return survey, await ballot_for(session, survey, resident, flat)


def _page(
    request: web.Request, survey: Survey, ballot: Ballot, fields: list[Field], **context: Any
) -> web.Response:
    definition = definition_of(survey.definition)
    language = request[LANGUAGE]
    return render(
        request,
        "answer.html",
        survey=survey,
        ballot=ballot,
        title=local(definition.title, language),
        description=local(definition.description, language) if definition.description else "",
        fields=fields,
        **context,
    )


async def _show(request: web.Request) -> web.Response:
    async with site_of(request).sessions() as session, session.begin():
        who = await visitor(request, session)
        survey, ballot = await _ballot(session, who.resident, int(request.match_info["number"]))
        definition = definition_of(survey.definition)
        where = progress(definition, await answers_of(session, ballot, definition))
        share = await linked_share_notice(session, survey.id, ballot.household_id)
    fields = _fields(definition, where, who.language)
    saved = "saved" in request.query
    return _page(request, survey, ballot, fields, finished=where.finished, saved=saved, share=share)


def _changes(
    definition: SurveyDefinition, answers: Answers, form: MultiDictProxy[str]
) -> tuple[list[tuple[Question, AnswerValue | None]], dict[str, str]]:
    """The answers the form changes, in the survey's order, each validated as the chat does,
    with the questions it shows or hides applied as it goes; and the reasons of those refused."""
    planned, changes, errors = dict(answers), [], {}
    for question in definition.questions:
        if question not in progress(definition, planned).visible:
            continue
        raw = _raw(question, form)
        if question.required and raw in ("", []) and question.id not in planned:
            continue  # left for later
        try:
            value = validate_answer(question, raw)
        except AnswerRejected as rejected:
            errors[question.id] = rejection_text(rejected.reason, rejected.details)
            continue
        if question.id not in planned or planned[question.id] != value:
            planned[question.id] = value
            changes.append((question, value))
    return changes, errors


async def _save(request: web.Request) -> web.Response:
    form = await request.post()
    check_form(request, form)
    number = int(request.match_info["number"])
    async with site_of(request).sessions() as session, session.begin():
        who = await visitor(request, session)
        language = who.language
        survey, ballot = await ballot_of(session, who.resident, int(form.get("ballot", "0")))
        if survey.id != number:
            raise web.HTTPNotFound()
        definition = definition_of(survey.definition)
        answers = await answers_of(session, ballot, definition)
        changes, errors = _changes(definition, answers, form)
        if errors:  # nothing of this save is recorded: the person corrects and saves again
            fields = _fields(definition, progress(definition, answers), language, form, errors)
            return _page(request, survey, ballot, fields, finished=False, saved=False)
        where = None
        for question, value in changes:
            where = await record_answer(session, ballot, definition, question, value, who.resident)
        if where is not None:  # the chat's receipt, sent after the commit by the outbox
            text, markup = receipt(
                definition, survey.id, survey.closes_at is not None, ballot.id, where, language
            )
            reply = markup.model_dump(exclude_none=True)
            await enqueue(
                session, Outgoing(who.resident.telegram_id, text, reply), priority=REPLY_PRIORITY
            )
    return see_other(f"{PREFIX}/surveys/{number}/answer?saved=1")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/surveys/{number:\\d+}/answer", _show)
    app.router.add_post("/surveys/{number:\\d+}/answer", _save)
