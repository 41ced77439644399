"""Residents answer a survey or vote with buttons: one question at a time, back and change
until the close, and a receipt of what was recorded.

A press edits the question's message into the next question, with what was just recorded on
top (one Bot API call besides the press's answer); the receipt is a message of its own. The
choices of a multiple-choice or ranking question are kept by option id in the conversation
state until "Done", so nothing half-chosen is stored; "Done" validates the selection like any
answer. A typed answer (a number, a text) is awaited in the conversation state."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.drives.texts import linked_share_notice
from handlers.shared.replies import Replies, pressed_text
from handlers.shared.texts import explained, flat_label
from handlers.surveys.ballot_view import (
    confirmation,
    picked_of,
    question_keyboard,
    question_picker,
    question_text,
    receipt,
)
from handlers.surveys.callbacks import AnswerPress, BallotStep, StartBallot
from handlers.surveys.notices import invitation_message
from handlers.surveys.paper_entry import PaperEntry, photo_prompt
from storage.committee import compounds_of
from storage.models import Resident
from storage.refusals import Refused
from storage.residents import flats_by_id
from storage.surveys.ballots import (
    answers_of,
    ballot_for,
    ballot_of,
    record_answer,
    unfinished_ballot,
)
from storage.surveys.models import Ballot, BallotSource, Survey
from storage.surveys.queries import definition_of, open_invitations_of, open_survey_of
from surveys.voting.flow import (
    AnswerRejected,
    AnswerValue,
    Progress,
    RejectReason,
    progress,
    validate_answer,
)
from surveys.voting.questions import MultipleChoice, NumberQuestion, Question, Ranking, TextQuestion


class Answering(StatesGroup):
    typing = State()  # data: ballot, question
    picking = State()  # data: ballot, question, picked (option ids, in order)


class Ballots:
    """One resident at one ballot, for the length of an update."""

    def __init__(
        self,
        session: AsyncSession,
        resident: Resident,
        survey: Survey,
        ballot: Ballot,
        language: str,
        replies: Replies,
        state: FSMContext,
    ) -> None:
        self.session, self.resident, self.survey, self.ballot = session, resident, survey, ballot
        self.definition = definition_of(survey.definition)
        self.language, self.replies, self.state = language, replies, state
        self.answers: dict[str, AnswerValue | None] | None = None  # as last read

    async def where(self) -> Progress:
        self.answers = await answers_of(self.session, self.ballot, self.definition)
        return progress(self.definition, self.answers)

    async def visible(self, question_id: str, where: Progress) -> Question:
        for question in where.visible:
            if question.id == question_id:
                return question
        raise AnswerRejected(RejectReason.MALFORMED)  # a button of a question no longer asked

    async def ask(
        self,
        where: Progress,
        question: Question | None = None,
        *,
        edit: bool,
        above: str = "",
        picked: list[str] | None = None,
    ) -> None:
        """Show `question`, or the next unanswered one, or the receipt when all are answered;
        in the pressed message (`edit`) or a new one. `above`: what was just recorded;
        `picked`: choices made and not yet done (default: the recorded answer's)."""
        question = question or where.next_question
        if question is None:
            await self.state.clear()
            if above:
                self._show(above, None, edit=edit)
            if self.ballot.source is BallotSource.PAPER:  # entered: the sheet's photo next
                await self.state.set_state(PaperEntry.photo)
                await self.state.set_data({"ballot": self.ballot.id})
                self.replies.say(
                    *photo_prompt(self.definition, self.ballot.id, where, self.language)
                )
                return
            text, markup = receipt(
                self.definition,
                self.survey.id,
                self.survey.closes_at is not None,
                self.ballot.id,
                where,
                self.language,
            )
            self.replies.say(text, markup)
            return
        if picked is None:
            picked = picked_of(where.answers.get(question.id))
        if isinstance(question, NumberQuestion | TextQuestion):
            await self.await_answer(Answering.typing, question)
        elif isinstance(question, MultipleChoice | Ranking):
            await self.await_answer(Answering.picking, question, picked=picked)
        elif await self.state.get_state() is not None:
            await self.state.clear()
        text = question_text(self.definition, question, where, self.language)
        markup = question_keyboard(self.ballot.id, question, picked, where, self.language)
        self._show(f"{above}\n\n{text}" if above else text, markup, edit=edit)

    async def await_answer(self, step: State, question: Question, **data: Any) -> None:
        await self.state.set_state(step)
        await self.state.set_data({"ballot": self.ballot.id, "question": question.id, **data})

    def _show(self, text: str, markup: Any, *, edit: bool) -> None:
        if edit:
            self.replies.edit(text, markup)
        else:
            self.replies.say(text, markup)

    async def record(self, question: Question, raw: object, *, edit: bool) -> None:
        value = validate_answer(question, raw)
        where = await record_answer(
            self.session,
            self.ballot,
            self.definition,
            question,
            value,
            self.resident,
            self.answers,
        )
        await self.ask(where, edit=edit, above=confirmation(where, question, self.language))


async def _ballots(
    session: AsyncSession,
    resident: Resident,
    ballot_id: int,
    i18n: I18n,
    replies: Replies,
    state: FSMContext,
) -> Ballots:
    survey, ballot = await ballot_of(session, resident, ballot_id)
    return Ballots(session, resident, survey, ballot, i18n.current_locale, replies, state)


async def start_ballot(
    query: CallbackQuery,
    callback_data: StartBallot,
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
    replies: Replies,
    state: FSMContext,
) -> None:
    survey = await open_survey_of(session, callback_data.survey_id)
    ballot = await ballot_for(session, survey, resident, callback_data.household_id or None)
    share = await linked_share_notice(session, survey.id, ballot.household_id)
    if share is not None:  # a vote linked to a contribution drive: the cost before voting
        replies.say(share)
    ballots = Ballots(session, resident, survey, ballot, i18n.current_locale, replies, state)
    await ballots.ask(await ballots.where(), edit=False)


async def pressed_answer(
    query: CallbackQuery,
    callback_data: AnswerPress,
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
    replies: Replies,
    state: FSMContext,
) -> None:
    ballots = await _ballots(session, resident, callback_data.ballot_id, i18n, replies, state)
    where = await ballots.where()
    question = await ballots.visible(callback_data.question_id, where)
    if isinstance(question, MultipleChoice | Ranking):
        await _toggle(query, ballots, question, callback_data.choice, where)
        return
    await ballots.record(question, callback_data.choice, edit=True)


async def _picking(ballots: Ballots, question: Question, where: Progress) -> list[str]:
    """What is picked so far on `question`: the conversation state's, if it is about this
    question, else the recorded answer."""
    data = await ballots.state.get_data()
    if (
        await ballots.state.get_state() == Answering.picking.state
        and data.get("ballot") == ballots.ballot.id
        and data.get("question") == question.id
    ):
        return [str(choice) for choice in data.get("picked", [])]
    return picked_of(where.answers.get(question.id))


async def _toggle(
    query: CallbackQuery,
    ballots: Ballots,
    question: MultipleChoice | Ranking,
    choice: str,
    where: Progress,
) -> None:
    if choice not in question.option_ids:
        raise AnswerRejected(RejectReason.MALFORMED)
    picked = await _picking(ballots, question, where)
    if choice in picked:
        picked.remove(choice)
    elif isinstance(question, Ranking) and len(picked) >= question.top:
        raise AnswerRejected(RejectReason.TOO_MANY, maximum=question.top)
    else:
        picked.append(choice)
    await ballots.await_answer(Answering.picking, question, picked=picked)
    markup = question_keyboard(ballots.ballot.id, question, picked, where, ballots.language)
    text = pressed_text(query) or question_text(
        ballots.definition, question, where, ballots.language
    )
    ballots.replies.edit(text, markup)


async def pressed_step(
    query: CallbackQuery,
    callback_data: BallotStep,
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
    replies: Replies,
    state: FSMContext,
) -> None:
    ballots = await _ballots(session, resident, callback_data.ballot_id, i18n, replies, state)
    where = await ballots.where()
    if callback_data.action == "pick":
        replies.edit(
            pressed_text(query) or _("Which question?"), question_picker(ballots.ballot.id, where)
        )
        return
    question = await ballots.visible(callback_data.question_id, where)
    if callback_data.action == "done":
        await ballots.record(question, await _picking(ballots, question, where), edit=True)
    elif callback_data.action == "skip":
        await ballots.record(question, None, edit=True)
    elif callback_data.action == "back":
        index = where.visible.index(question)
        await ballots.ask(where, where.visible[max(index - 1, 0)], edit=True)
    elif callback_data.action == "edit":
        await ballots.ask(where, question, edit=False)
    else:
        raise AnswerRejected(RejectReason.MALFORMED)


async def typed_answer(
    message: Message,
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
    replies: Replies,
    state: FSMContext,
) -> None:
    data = await state.get_data()
    ballots = await _ballots(session, resident, int(data["ballot"]), i18n, replies, state)
    question = await ballots.visible(str(data["question"]), await ballots.where())
    await ballots.record(question, message.text, edit=False)


async def not_an_answer(
    message: Message,
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
    replies: Replies,
    state: FSMContext,
    raw_state: str | None,
) -> None:
    """A message that is not the answer its question awaits (text where a press is, a voice
    message where text is): the question again, with what it takes on top, never 「没有看懂」.
    A question awaiting a press keeps no conversation state (an answer costs no write for
    it): the resident's unfinished ballot is looked up instead, on this rare path only."""
    data = await state.get_data() if raw_state in Answering else {}
    ballot_id = data.get("ballot") or await unfinished_ballot(session, resident)
    if ballot_id is None:
        raise SkipHandler  # not in a survey: the other features and the catch-alls answer
    try:
        ballots = await _ballots(session, resident, int(ballot_id), i18n, replies, state)
    except Refused:
        if raw_state is None:  # a survey no longer theirs to answer: not what they meant
            raise SkipHandler from None
        raise
    where = await ballots.where()
    question = await ballots.visible(str(data["question"]), where) if data else where.next_question
    if question is None:
        raise SkipHandler
    if isinstance(question, NumberQuestion | TextQuestion):
        expected = _("Please type your answer to this question:")
    else:
        expected = _("This question is answered with the buttons under it:")
    above = explained(message, expected)
    await ballots.ask(where, question, edit=False, above=above, picked=data.get("picked"))


async def open_for_me(
    message: Message,
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    """/surveys for a resident: each open survey or vote they answer, as its opening notice
    with 「开始作答」. A committee member gets the committee's list instead."""
    if await compounds_of(session, resident.telegram_id):
        raise SkipHandler
    found = await open_invitations_of(session, resident)
    if not found:
        replies.say(_("No survey or vote is waiting for your answers now."))
    flats = await flats_by_id(
        session, [invitation.household_id for _, invitation in found if invitation.household_id]
    )
    for survey, invitation in found:
        flat = flats.get(invitation.household_id) if invitation.household_id else None
        label = None if flat is None else flat_label(flat)
        replies.say(*invitation_message(survey, invitation, label, i18n, zone))


def build_router() -> Router:
    router = Router(name="answering")
    router.message.register(open_for_me, Command("surveys"))
    router.callback_query.register(start_ballot, StartBallot.filter())
    router.callback_query.register(pressed_answer, AnswerPress.filter())
    router.callback_query.register(pressed_step, BallotStep.filter())
    router.message.register(
        typed_answer, StateFilter(Answering.typing), F.text, ~F.text.startswith("/")
    )
    router.message.register(not_an_answer, StateFilter(Answering), ~F.text.startswith("/"))
    router.message.register(not_an_answer, StateFilter(None), ~F.text.startswith("/"), ~F.photo)
    return router
