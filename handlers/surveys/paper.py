"""Paper ballots, entered by the committee: `/ballot N 3栋/2单元/501` or scanning the QR code
of the flat's printed sheet opens the flat's paper ballot, answered with the same questions
and buttons as in chat (`handlers.surveys.answering`); then the photo of the signed sheet
hands it in. A second member reviews it (`handlers.surveys.paper_review`), and the flat's
linked residents are told, so that a forged ballot is noticed."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command as CommandFilter
from aiogram.filters import CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.shared.filters import Committee, Sorry
from handlers.shared.replies import Replies
from handlers.shared.texts import flat_label
from handlers.surveys.answering import Ballots
from handlers.surveys.callbacks import PaperPress
from handlers.surveys.paper_entry import PaperEntry
from handlers.surveys.paper_review import review_notices
from handlers.surveys.texts import local
from storage.models import Resident
from storage.outbox.notices import queue_notice
from storage.outbox.queue import Outgoing
from storage.refusals import Refusal, Refused
from storage.residents import flats_by_id
from storage.surveys.models import Ballot, Standing, Survey
from storage.surveys.paper import flat_members, hand_in, paper_ballot, start_paper_ballot
from storage.surveys.queries import definition_of, survey_for_committee
from storage.surveys.vote_inputs import flat_in_survey
from surveys.joining.tokens import InvalidToken
from surveys.numbers import whole_number_or_none
from surveys.voting.sheets import PREFIX, verify_sheet


async def _enter(
    session: AsyncSession,
    survey: Survey,
    household_id: int,
    member: Resident,
    i18n: I18n,
    replies: Replies,
    state: FSMContext,
) -> None:
    ballot = await start_paper_ballot(session, survey, household_id, member)
    flat = (await flats_by_id(session, [household_id]))[household_id]
    replies.say(
        _(
            "Paper ballot of {flat} for survey #{number}: tap the answers the signed sheet "
            "shows. Then send a photo of the sheet."
        ).format(flat=flat_label(flat), number=survey.id)
    )
    ballots = Ballots(session, member, survey, ballot, i18n.current_locale, replies, state)
    await ballots.ask(await ballots.where(), edit=False)


async def enter_by_command(
    message: Message,
    command: CommandObject,
    compounds: list[int],
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
    replies: Replies,
    state: FSMContext,
) -> None:
    """`/ballot N 3栋/2单元/501`."""
    parts = (command.args or "").split()
    number = whole_number_or_none(parts[0]) if len(parts) == 2 else None
    if number is None:
        raise Sorry(
            _(
                "Send /ballot, the survey number and the flat of the signed paper sheet, for "
                "example /ballot 3 3栋/2单元/501, or scan the QR code printed on the sheet."
            )
        )
    survey = await survey_for_committee(session, compounds, number)
    try:
        household_id = await flat_in_survey(session, survey, parts[1])
    except LookupError:
        raise Sorry(
            _("{flat} is not a flat of survey #{number}.").format(flat=parts[1], number=number)
        ) from None
    await _enter(session, survey, household_id, resident, i18n, replies, state)


async def enter_by_sheet(
    message: Message,
    command: CommandObject,
    compounds: list[int],
    session: AsyncSession,
    resident: Resident,
    join_key: str,
    i18n: I18n,
    replies: Replies,
    state: FSMContext,
) -> None:
    """The QR code of a printed sheet, scanned by a committee member."""
    try:
        survey_id, household_id = verify_sheet(command.args or "", join_key)
    except InvalidToken:
        raise Refused(Refusal.UNKNOWN_CODE) from None
    survey = await survey_for_committee(session, compounds, survey_id)
    await _enter(session, survey, household_id, resident, i18n, replies, state)


async def _handed_in(
    session: AsyncSession,
    survey: Survey,
    ballot: Ballot,
    member: Resident,
    photo: str | None,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
    state: FSMContext,
) -> None:
    standing = await hand_in(session, survey, ballot, member, photo)
    await state.clear()
    assert ballot.household_id is not None
    flat = (await flats_by_id(session, [ballot.household_id]))[ballot.household_id]
    label = flat_label(flat)
    replies.say(
        {
            Standing.REVIEW: _(
                "Handed in. The paper ballot of {flat} counts once a second committee member "
                "confirms it; they have been sent it."
            ),
            Standing.COUNTS: _("Handed in: the paper ballot of {flat} counts."),
            Standing.CONFLICT: _(
                "Handed in, but {flat} already has a ballot that counts: the two are held as a "
                "conflict until the committee keeps one (/conflicts {number})."
            ),
        }[standing].format(flat=label, number=survey.id)
    )
    definition = definition_of(survey.definition)
    told = []
    for telegram_id, language in await flat_members(session, ballot.household_id):
        with i18n.context(), i18n.use_locale(language or i18n.default_locale):
            text = _(
                "A paper ballot for your flat {flat} was recorded in “{title}” (survey #{number}) "
                "by committee member {member}. If nobody of your flat signed it, tell the "
                "committee."
            ).format(
                flat=flat_label(flat),
                title=local(definition.title, language or i18n.default_locale),
                number=survey.id,
                member=member.full_name,
            )
        told.append(Outgoing(chat_id=telegram_id, text=text))
    await queue_notice(
        session,
        "paper_ballot",
        told,
        compound_id=survey.compound_id,
        key=f"paper:{ballot.id}",
        zone=zone,
    )
    if standing is Standing.REVIEW:
        await review_notices(session, survey, ballot, member, i18n, zone)


async def photo_of_sheet(
    message: Message,
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
    state: FSMContext,
) -> None:
    assert message.photo
    survey, ballot = await paper_ballot(session, int((await state.get_data())["ballot"]))
    photo = message.photo[-1].file_id  # the largest size
    await _handed_in(session, survey, ballot, resident, photo, i18n, zone, replies, state)


async def without_photo(
    query: CallbackQuery,
    callback_data: PaperPress,
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
    state: FSMContext,
) -> None:
    survey, ballot = await paper_ballot(session, callback_data.ballot_id)
    await _handed_in(session, survey, ballot, resident, None, i18n, zone, replies, state)


async def not_a_photo(message: Message, replies: Replies) -> None:
    replies.say(_("Send a photo of the signed sheet, to hand the paper ballot in."))


def build_router() -> Router:
    router = Router(name="paper_ballots")
    router.message.register(
        enter_by_sheet, CommandStart(deep_link=True, magic=F.args.startswith(PREFIX)), Committee()
    )
    router.message.register(enter_by_command, CommandFilter("ballot"), Committee())
    router.message.register(photo_of_sheet, StateFilter(PaperEntry.photo), F.photo)
    router.message.register(not_a_photo, StateFilter(PaperEntry.photo), ~F.text.startswith("/"))
    router.callback_query.register(
        without_photo, PaperPress.filter(F.action == "nophoto"), Committee()
    )
    return router
