"""Residents answer a survey or vote with buttons: one question at a time ("question 3 of
8"), back and change until the close, and a receipt of what was recorded.

The choices of a multiple-choice or ranking question are collected on the question's own
buttons (a ✓ or a rank in the label) until "Done", so nothing half-chosen is stored; only the
bot can edit its messages, and "Done" validates the selection like any answer."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.drives.texts import linked_share_notice
from handlers.shared.buttons import remove_buttons
from handlers.shared.callbacks import AnswerPress, BallotStep, StartBallot
from handlers.shared.texts import refusal_text
from handlers.surveys.texts import agree_label, answer_text, how_to_answer, local, rejection_text
from storage.models import Resident
from storage.refusals import Refused
from storage.surveys.models import Ballot, Survey
from storage.surveys.queries import (
    answers_of,
    ballot_for,
    ballot_of,
    definition_of,
    open_survey_of,
    record_answer,
)
from surveys.voting.decision import Answer
from surveys.voting.flow import AnswerRejected, Progress, RejectReason, progress, validate_answer
from surveys.voting.questions import (
    AgreeQuestion,
    ChoiceQuestion,
    MultipleChoice,
    NumberQuestion,
    Question,
    Ranking,
    Rating,
    TextQuestion,
)
from surveys.voting.schema import ResultsVisibility, SurveyDefinition

TICK = "✓ "
_RANKED = re.compile(r"^(\d+)\. ")


class _Answering:
    """One resident at one ballot, for the length of an update."""

    def __init__(
        self,
        session: AsyncSession,
        resident: Resident,
        survey: Survey,
        ballot: Ballot,
        language: str,
    ) -> None:
        self.session, self.resident, self.survey, self.ballot = session, resident, survey, ballot
        self.definition: SurveyDefinition = definition_of(survey.definition)
        self.language = language

    async def where(self) -> Progress:
        return progress(
            self.definition, await answers_of(self.session, self.ballot, self.definition)
        )

    async def ask(
        self, message: Message, question: Question | None = None, where: Progress | None = None
    ) -> None:
        """Send `question`, or the next unanswered one, or the receipt when all are answered.
        `where` saves reloading the answers when the caller has just computed it."""
        where = where or await self.where()
        question = question or where.next_question
        if question is None:
            await self.send_receipt(message, where)
            return
        number = where.numbering(question.id)
        lines = [
            local(self.definition.title, self.language),
            _("Question {number} of {total}").format(number=number.number, total=number.total),
            "",
            local(question.text, self.language),
        ]
        hint = how_to_answer(question, self.language)
        if hint:
            lines += ["", hint]
        current = where.answers.get(question.id)
        if question.id in where.answers:
            lines += [
                "",
                _("Your answer: {answer}").format(
                    answer=answer_text(question, current, self.language)
                ),
            ]
        typed = isinstance(question, NumberQuestion | TextQuestion)
        self.resident.awaiting_answer = f"{self.ballot.id}:{question.id}" if typed else None
        markup = self.keyboard(question, current, number.number > 1)
        await message.answer("\n".join(lines), reply_markup=markup)

    def keyboard(
        self, question: Question, current: object, can_go_back: bool
    ) -> InlineKeyboardMarkup:
        builder = InlineKeyboardBuilder()
        widths: list[int] = []

        def press(text: str, choice: str) -> None:
            data = AnswerPress(ballot_id=self.ballot.id, question_id=question.id, choice=choice)
            builder.button(text=text, callback_data=data)

        def step(text: str, action: str) -> None:
            data = BallotStep(ballot_id=self.ballot.id, question_id=question.id, action=action)
            builder.button(text=text, callback_data=data)

        if isinstance(question, ChoiceQuestion):
            picked = _picked(question, current)
            for option in question.options:
                label = local(option.text, self.language)
                if isinstance(question, Ranking) and option.id in picked:
                    label = f"{picked.index(option.id) + 1}. {label}"
                elif option.id in picked:
                    label = TICK + label
                press(label, option.id)
            widths += [1] * len(question.options)
            if isinstance(question, MultipleChoice | Ranking):
                step(_("Done"), "done")
                widths.append(1)
        elif isinstance(question, AgreeQuestion):
            for answer in Answer:
                press(agree_label(answer), answer.value)
            widths.append(3)
        elif isinstance(question, Rating):
            for score in range(1, 6):
                press(str(score), str(score))
            widths.append(5)
        controls = 0
        if can_go_back:
            step(_("« Previous question"), "back")
            controls += 1
        if not question.required:
            step(_("Skip"), "skip")
            controls += 1
        if controls:
            widths.append(controls)
        builder.adjust(*widths)
        return builder.as_markup()

    async def send_receipt(self, message: Message, where: Progress) -> None:
        lines = [
            _("Your answers to “{title}” are recorded:").format(
                title=local(self.definition.title, self.language)
            )
        ]
        for number, question in enumerate(where.visible, start=1):
            if question.id in where.answers:
                answer = answer_text(question, where.answers[question.id], self.language)
                lines.append(f"{number}. {local(question.text, self.language)}\n   → {answer}")
        if self.survey.closes_at is not None:
            lines += ["", _("You can change them until the close.")]
        if self.definition.results_visible is ResultsVisibility.LIVE:
            lines.append(_("The results so far: /results {number}").format(number=self.survey.id))
        builder = InlineKeyboardBuilder()
        first = where.visible[0].id
        builder.button(
            text=_("Change my answers"),
            callback_data=BallotStep(ballot_id=self.ballot.id, question_id=first, action="edit"),
        )
        await message.answer("\n".join(lines), reply_markup=builder.as_markup())

    async def record(
        self, message: Message, question: Question, raw: object, *, pressed: bool = False
    ) -> None:
        """Record the answer, then (for a press) take the question's buttons away: recorded
        first, so that a press delivered again still records, whatever the edit says."""
        value = validate_answer(question, raw)
        where = await record_answer(
            self.session, self.ballot, self.definition, question, value, self.resident
        )
        self.resident.awaiting_answer = None
        if pressed:
            await remove_buttons(message)
        number = where.numbering(question.id)
        await message.answer(
            _("✓ Question {number}: {answer}").format(
                number=number.number, answer=answer_text(question, value, self.language)
            )
        )
        await self.ask(message, where=where)


def _picked(question: ChoiceQuestion, current: object) -> list[str]:
    if isinstance(current, tuple):
        return list(current)
    if isinstance(current, frozenset):
        return [option for option in question.option_ids if option in current]
    return [str(current)] if isinstance(current, str) else []


def _picked_on(markup: InlineKeyboardMarkup | None, question: Question) -> list[str]:
    """The choices marked on a question's buttons: ticked ones, or ranked ones in rank order."""
    marked: list[tuple[int, str]] = []
    for row in markup.inline_keyboard if markup else []:
        for button in row:
            if not button.callback_data or not button.callback_data.startswith("ans:"):
                continue
            choice = AnswerPress.unpack(button.callback_data)
            if choice.question_id != question.id:
                continue
            ranked = _RANKED.match(button.text)
            if ranked:
                marked.append((int(ranked.group(1)), choice.choice))
            elif button.text.startswith(TICK):
                marked.append((0, choice.choice))
    return [choice for _, choice in sorted(marked)]


@asynccontextmanager
async def _answering_press(query: CallbackQuery) -> AsyncIterator[None]:
    try:
        yield
    except Refused as refused:
        await query.answer(refusal_text(refused.reason), show_alert=True)
    except AnswerRejected as rejected:
        await query.answer(rejection_text(rejected.reason, rejected.details), show_alert=True)
    else:
        await query.answer()


async def start_ballot(
    query: CallbackQuery,
    callback_data: StartBallot,
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
) -> None:
    assert isinstance(query.message, Message)
    async with _answering_press(query):
        survey = await open_survey_of(session, callback_data.survey_id)
        ballot = await ballot_for(session, survey, resident, callback_data.household_id or None)
        share = await linked_share_notice(session, survey.id, ballot.household_id)
        if share is not None:  # a vote linked to a contribution drive: the cost before voting
            await query.message.answer(share)
        await _Answering(session, resident, survey, ballot, i18n.current_locale).ask(query.message)


async def _in_hand(
    session: AsyncSession, resident: Resident, ballot_id: int, language: str
) -> _Answering:
    survey, ballot = await ballot_of(session, resident, ballot_id)
    return _Answering(session, resident, survey, ballot, language)


async def _question_in_hand(
    session: AsyncSession, resident: Resident, ballot_id: int, question_id: str, language: str
) -> tuple[_Answering, Question]:
    """The ballot and the visible question a button or an awaited text names."""
    answering = await _in_hand(session, resident, ballot_id, language)
    return answering, await _visible(answering, question_id)


async def _visible(answering: _Answering, question_id: str) -> Question:
    where = await answering.where()
    for question in where.visible:
        if question.id == question_id:
            return question
    raise AnswerRejected(RejectReason.MALFORMED)  # a button of a question no longer asked


async def _pressed_question(
    session: AsyncSession, resident: Resident, pressed: AnswerPress | BallotStep, i18n: I18n
) -> tuple[_Answering, Question]:
    """The ballot and the visible question a press names."""
    return await _question_in_hand(
        session, resident, pressed.ballot_id, pressed.question_id, i18n.current_locale
    )


async def pressed_answer(
    query: CallbackQuery,
    callback_data: AnswerPress,
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
) -> None:
    assert isinstance(query.message, Message)
    async with _answering_press(query):
        answering, question = await _pressed_question(session, resident, callback_data, i18n)
        if isinstance(question, MultipleChoice | Ranking):
            await _toggle(query, answering, question, callback_data.choice)
            return
        await answering.record(query.message, question, callback_data.choice, pressed=True)


async def _toggle(
    query: CallbackQuery, answering: _Answering, question: MultipleChoice | Ranking, choice: str
) -> None:
    assert isinstance(query.message, Message)
    if choice not in question.option_ids:
        raise AnswerRejected(RejectReason.MALFORMED)
    picked = _picked_on(query.message.reply_markup, question)
    if choice in picked:
        picked.remove(choice)
    elif isinstance(question, Ranking) and len(picked) >= question.top:
        raise AnswerRejected(RejectReason.TOO_MANY, maximum=question.top)
    else:
        picked.append(choice)
    current = tuple(picked) if isinstance(question, Ranking) else frozenset(picked)
    where = await answering.where()
    number = where.numbering(question.id).number
    await query.message.edit_reply_markup(
        reply_markup=answering.keyboard(question, current, number > 1)
    )


async def pressed_step(
    query: CallbackQuery,
    callback_data: BallotStep,
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
) -> None:
    assert isinstance(query.message, Message)
    async with _answering_press(query):
        answering, question = await _pressed_question(session, resident, callback_data, i18n)
        if callback_data.action == "done":
            picked = _picked_on(query.message.reply_markup, question)
            await answering.record(query.message, question, picked, pressed=True)
        elif callback_data.action == "skip":
            await answering.record(query.message, question, None, pressed=True)
        elif callback_data.action == "back":
            where = await answering.where()
            index = where.visible.index(question)
            await answering.ask(query.message, where.visible[max(index - 1, 0)])
        elif callback_data.action == "edit":
            await answering.ask(query.message, question)
        else:
            raise AnswerRejected(RejectReason.MALFORMED)


async def typed_answer(
    message: Message, session: AsyncSession, resident: Resident, i18n: I18n
) -> None:
    assert resident.awaiting_answer is not None and message.text is not None
    ballot_id, question_id = resident.awaiting_answer.split(":", 1)
    try:
        answering, question = await _question_in_hand(
            session, resident, int(ballot_id), question_id, i18n.current_locale
        )
        await answering.record(message, question, message.text)
    except Refused as refused:
        resident.awaiting_answer = None
        await message.answer(refusal_text(refused.reason))
    except AnswerRejected as rejected:
        await message.answer(rejection_text(rejected.reason, rejected.details))


def _awaiting_answer(message: Message, resident: Resident | None = None) -> bool:
    return resident is not None and resident.awaiting_answer is not None


def build_router() -> Router:
    router = Router(name="answering")
    router.callback_query.register(start_ballot, StartBallot.filter())
    router.callback_query.register(pressed_answer, AnswerPress.filter())
    router.callback_query.register(pressed_step, BallotStep.filter())
    router.message.register(typed_answer, F.text, ~F.text.startswith("/"), _awaiting_answer)
    return router
