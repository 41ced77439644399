"""The committee's second look: a paper ballot is confirmed or rejected (with a reason) by a
member other than the one who entered it, and a flat with two complete ballots keeps one of
them, with a reason (`storage.surveys.standing`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.shared.filters import Committee, NumberArgument
from handlers.shared.replies import Replies
from handlers.shared.texts import flat_label
from handlers.surveys.ballot_view import answer_lines
from handlers.surveys.callbacks import PaperPress
from handlers.surveys.texts import local
from storage.committee import committee_of
from storage.models import Resident
from storage.outbox.notices import queue_notice
from storage.outbox.queue import PHOTO, Outgoing
from storage.refusals import Refusal, Refused
from storage.residents import flats_by_id
from storage.surveys.ballots import answers_of
from storage.surveys.models import Ballot, BallotSource, Standing, Survey
from storage.surveys.paper import paper_ballot, review, waiting_review
from storage.surveys.queries import definition_of, survey_for_committee
from storage.surveys.standing import conflicts_of, keep_ballot
from surveys.voting.flow import progress


class Reviewing(StatesGroup):
    reason = State()  # data: ballot, action ("reject" or "keep")


def source_label(ballot: Ballot) -> str:
    return {
        BallotSource.CHAT: _("in chat"),
        BallotSource.PAPER: _("on paper"),
        BallotSource.PROXY: _("by proxy"),
    }[ballot.source]


async def ballot_card(session: AsyncSession, survey: Survey, ballot: Ballot, language: str) -> str:
    """A flat's ballot as the committee checks it: flat, source, answers."""
    definition = definition_of(survey.definition)
    assert ballot.household_id is not None
    flat = (await flats_by_id(session, [ballot.household_id]))[ballot.household_id]
    where = progress(definition, await answers_of(session, ballot, definition))
    heading = _("Ballot #{ballot} of {flat}, {source}, survey #{number} “{title}”:").format(
        ballot=ballot.id,
        flat=flat_label(flat),
        source=source_label(ballot),
        number=survey.id,
        title=local(definition.title, language),
    )
    return "\n".join([heading, *answer_lines(where, language)])


def _buttons(ballot_id: int, *actions: tuple[str, str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for text, action in actions:
        builder.button(text=text, callback_data=PaperPress(ballot_id=ballot_id, action=action))
    return builder.as_markup()


def review_buttons(ballot_id: int) -> InlineKeyboardMarkup:
    return _buttons(
        ballot_id,
        (_("Confirm: matches the sheet"), "confirm"),
        (_("Reject: does not match"), "reject"),
    )


async def _review_text(session: AsyncSession, survey: Survey, ballot: Ballot, language: str) -> str:
    card = await ballot_card(session, survey, ballot, language)
    return "\n\n".join(
        [
            card,
            _(
                "Entered from the signed sheet in the photo above. Confirm if the answers match "
                "it, or reject it with a reason."
            ),
        ]
    )


async def review_notices(
    session: AsyncSession,
    survey: Survey,
    ballot: Ballot,
    member: Resident,
    i18n: I18n,
    zone: ZoneInfo,
) -> None:
    """Send every other committee member the sheet's photo and the entered answers."""
    messages = []
    for other in await committee_of(session, survey.compound_id):
        if other.telegram_id == member.telegram_id:
            continue
        language = other.language or i18n.default_locale
        with i18n.context(), i18n.use_locale(language):
            text = await _review_text(session, survey, ballot, language)
            markup = review_buttons(ballot.id).model_dump(exclude_none=True)
        # Two messages to one member: each needs a key of its own in the broadcast.
        key = f"paper-review:{ballot.id}:{other.telegram_id}"
        if ballot.photo_file_id is not None:
            messages.append(
                Outgoing(
                    other.telegram_id,
                    "",
                    method=PHOTO,
                    file_id=ballot.photo_file_id,
                    key=f"{key}:photo",
                )
            )
        messages.append(Outgoing(other.telegram_id, text, reply_markup=markup, key=f"{key}:card"))
    await queue_notice(
        session,
        "paper_review",
        messages,
        compound_id=survey.compound_id,
        key=f"paper-review:{ballot.id}",
        zone=zone,
    )


async def list_waiting(
    message: Message,
    number: int,
    compounds: list[int],
    session: AsyncSession,
    i18n: I18n,
    replies: Replies,
) -> None:
    """`/review N`: the paper ballots waiting for a second member, each with its photo."""
    survey = await survey_for_committee(session, compounds, number)
    waiting = await waiting_review(session, survey)
    if not waiting:
        replies.say(
            _("No paper ballot of survey #{number} is waiting for review.").format(number=survey.id)
        )
        return
    for ballot in waiting:
        if ballot.photo_file_id is not None:
            replies.photo(ballot.photo_file_id)
        text = await _review_text(session, survey, ballot, i18n.current_locale)
        replies.say(text, review_buttons(ballot.id))


async def confirm(
    query: CallbackQuery,
    callback_data: PaperPress,
    compounds: list[int],
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    survey, ballot = await paper_ballot(session, callback_data.ballot_id)
    await survey_for_committee(session, compounds, survey.id)
    standing = await review(session, survey, ballot, resident, confirmed=True)
    text = {
        Standing.COUNTS: _("Confirmed: ballot #{ballot} counts."),
        Standing.CONFLICT: _(
            "Confirmed, but the flat already has a ballot that counts: the two are held as a "
            "conflict until the committee keeps one (/conflicts {number})."
        ),
    }[standing].format(ballot=ballot.id, number=survey.id)
    replies.edit(text)
    await _tell_enterer(session, survey, ballot, text, zone)


async def ask_reason(
    query: CallbackQuery,
    callback_data: PaperPress,
    compounds: list[int],
    session: AsyncSession,
    replies: Replies,
    state: FSMContext,
) -> None:
    """Reject a paper ballot, or keep a ballot in a conflict: the reason is asked first."""
    ballot = await session.get(Ballot, callback_data.ballot_id)
    if ballot is None:
        raise Refused(Refusal.UNKNOWN_SURVEY)
    await survey_for_committee(session, compounds, ballot.survey_id)
    await state.set_state(Reviewing.reason)
    await state.set_data({"ballot": ballot.id, "action": callback_data.action})
    question = (
        _("Why do you reject ballot #{ballot}? Send the reason in one message.")
        if callback_data.action == "reject"
        else _("Why is ballot #{ballot} the one to keep? Send the reason in one message.")
    )
    replies.say(question.format(ballot=ballot.id))


async def reason_given(
    message: Message,
    compounds: list[int],
    session: AsyncSession,
    resident: Resident,
    zone: ZoneInfo,
    replies: Replies,
    state: FSMContext,
) -> None:
    data = await state.get_data()
    reason = message.text or ""
    await state.clear()
    if data["action"] == "reject":
        survey, ballot = await paper_ballot(session, int(data["ballot"]))
        await survey_for_committee(session, compounds, survey.id)
        await review(session, survey, ballot, resident, confirmed=False, reason=reason)
        text = _("Rejected: paper ballot #{ballot} does not count. Reason: {reason}").format(
            ballot=ballot.id, reason=reason
        )
        replies.say(text)
        await _tell_enterer(session, survey, ballot, text, zone)
        return
    kept = await session.get(Ballot, int(data["ballot"]))
    if kept is None:
        raise Refused(Refusal.UNKNOWN_SURVEY)
    survey = await survey_for_committee(session, compounds, kept.survey_id)
    aside = await keep_ballot(session, survey, kept.id, reason, resident)
    replies.say(
        _("Kept ballot #{ballot}; set aside: {others}. Reason: {reason}").format(
            ballot=kept.id, others=", ".join(f"#{each.id}" for each in aside), reason=reason
        )
    )


async def _tell_enterer(
    session: AsyncSession, survey: Survey, ballot: Ballot, text: str, zone: ZoneInfo
) -> None:
    """The member who entered a paper ballot learns how the review went."""
    enterer = await session.get(Resident, ballot.entered_by)
    if enterer is None or enterer.id == ballot.confirmed_by:
        return
    await queue_notice(
        session,
        "paper_reviewed",
        [Outgoing(chat_id=enterer.telegram_id, text=text)],
        compound_id=survey.compound_id,
        key=f"paper-reviewed:{ballot.id}",
        zone=zone,
    )


async def list_conflicts(
    message: Message,
    number: int,
    compounds: list[int],
    session: AsyncSession,
    i18n: I18n,
    replies: Replies,
) -> None:
    """`/conflicts N`: each flat with two complete ballots, each ballot with a button to keep
    it."""
    survey = await survey_for_committee(session, compounds, number)
    conflicts = await conflicts_of(session, survey)
    if not conflicts:
        replies.say(_("No flat of survey #{number} has conflicting ballots.").format(number=number))
        return
    for conflict in conflicts:
        for ballot in conflict.ballots:
            if ballot.photo_file_id is not None:
                replies.photo(ballot.photo_file_id)
            text = await ballot_card(session, survey, ballot, i18n.current_locale)
            first = ballot.standing is Standing.COUNTS
            text += "\n\n" + (_("Counted first.") if first else _("Came later: held."))
            replies.say(text, _buttons(ballot.id, (_("Keep this ballot"), "keep")))


def build_router() -> Router:
    router = Router(name="paper_review")
    numbered = (Committee(), NumberArgument())
    router.message.register(list_waiting, Command("review"), *numbered)
    router.message.register(list_conflicts, Command("conflicts"), *numbered)
    router.callback_query.register(confirm, PaperPress.filter(F.action == "confirm"), Committee())
    router.callback_query.register(
        ask_reason, PaperPress.filter(F.action.in_({"reject", "keep"})), Committee()
    )
    router.message.register(
        reason_given, StateFilter(Reviewing.reason), Committee(), F.text, ~F.text.startswith("/")
    )
    return router
