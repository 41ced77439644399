"""`/proxy`: proxies (委托) in chat. An owner names another resident linked to the flat to vote
for it, in one survey or until a date, and can withdraw it until the proxy has voted; the
proxy is told, and answers the flat's ballot with the same buttons as the owner would
(`handlers.surveys.answering`). The ballot is recorded as cast by proxy of the owner."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.shared.filters import Sorry
from handlers.shared.replies import Replies
from handlers.shared.texts import flat_label
from handlers.surveys.answering import Ballots
from handlers.surveys.callbacks import ProxyAct, ProxyFor, ProxyPick
from handlers.surveys.notices import local_time
from storage.models import Resident
from storage.outbox.notices import queue_notice
from storage.outbox.queue import Outgoing
from storage.residents import flats_by_id
from storage.surveys.models import Proxy
from storage.surveys.proxies import (
    candidates,
    granted_by,
    held_by,
    name_proxy,
    open_surveys_of_flat,
    owned_flats,
    proxy_ballot,
    withdraw,
)
from storage.surveys.queries import open_survey_of


class ProxyNaming(StatesGroup):
    until = State()  # data: household, person


async def _flat_text(session: AsyncSession, household_id: int) -> str:
    return flat_label((await flats_by_id(session, [household_id]))[household_id])


def _scope_text(proxy: Proxy, zone: ZoneInfo) -> str:
    if proxy.survey_id is not None:
        return _("survey #{number}").format(number=proxy.survey_id)
    assert proxy.until is not None
    return _("every vote until {time}").format(time=local_time(proxy.until, zone))


async def show(
    message: Message, session: AsyncSession, resident: Resident, zone: ZoneInfo, replies: Replies
) -> None:
    """The votes the resident may cast as a proxy, the proxies they named, and the residents
    of their flats they may name."""
    shown = False
    for proxy, survey in await held_by(session, resident):
        shown = True
        builder = InlineKeyboardBuilder()
        builder.button(
            text=_("Vote for the flat"),
            callback_data=ProxyAct(proxy_id=proxy.id, survey_id=survey.id, action="start"),
        )
        text = _("{owner} named you to vote for {flat} in survey #{number} “{title}”.")
        replies.say(
            text.format(
                owner=proxy.owner_name,
                flat=await _flat_text(session, proxy.household_id),
                number=survey.id,
                title=survey.title,
            ),
            builder.as_markup(),
        )
    for proxy in await granted_by(session, resident):
        shown = True
        person = await session.get_one(Resident, proxy.proxy_resident_id)
        builder = InlineKeyboardBuilder()
        builder.button(
            text=_("Withdraw"),
            callback_data=ProxyAct(proxy_id=proxy.id, survey_id=0, action="withdraw"),
        )
        replies.say(
            _("{person} votes for {flat} by your proxy: {scope}.").format(
                person=person.full_name,
                flat=await _flat_text(session, proxy.household_id),
                scope=_scope_text(proxy, zone),
            ),
            builder.as_markup(),
        )
    for household_id in await owned_flats(session, resident):
        people = await candidates(session, resident, household_id)
        if not people:
            continue
        shown = True
        builder = InlineKeyboardBuilder()
        for person in people:
            builder.button(
                text=person.full_name or str(person.id),
                callback_data=ProxyPick(household_id=household_id, person_id=person.id),
            )
        builder.adjust(1)
        replies.say(
            _("Who should vote for {flat} on your behalf?").format(
                flat=await _flat_text(session, household_id)
            ),
            builder.as_markup(),
        )
    if not shown:
        replies.say(
            _(
                "An owner can name another resident linked to the flat to vote for it (a "
                "proxy, 委托); nobody else is linked to your flat, and nobody named you."
            )
        )


async def picked(
    query: CallbackQuery, callback_data: ProxyPick, session: AsyncSession, replies: Replies
) -> None:
    builder = InlineKeyboardBuilder()
    for survey in await open_surveys_of_flat(session, callback_data.household_id):
        builder.button(
            text=_("Only survey #{number}").format(number=survey.id),
            callback_data=ProxyFor(
                household_id=callback_data.household_id,
                person_id=callback_data.person_id,
                survey_id=survey.id,
            ),
        )
    builder.button(
        text=_("Every vote until a date"),
        callback_data=ProxyFor(
            household_id=callback_data.household_id, person_id=callback_data.person_id, survey_id=0
        ),
    )
    builder.adjust(1)
    replies.edit(_("For which votes?"), builder.as_markup())


async def scoped(
    query: CallbackQuery,
    callback_data: ProxyFor,
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
    state: FSMContext,
) -> None:
    if callback_data.survey_id == 0:
        await state.set_state(ProxyNaming.until)
        await state.set_data(
            {"household": callback_data.household_id, "person": callback_data.person_id}
        )
        replies.edit(_("Until which day? Send the date, for example 2026-12-31."))
        return
    proxy = await name_proxy(
        session,
        resident,
        callback_data.household_id,
        callback_data.person_id,
        survey_id=callback_data.survey_id,
    )
    await _named(session, proxy, i18n, zone, replies)


async def until_typed(
    message: Message,
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
    state: FSMContext,
) -> None:
    try:
        day = datetime.strptime((message.text or "").strip(), "%Y-%m-%d").date()
    except ValueError:
        raise Sorry(_("Send the date as year-month-day, for example 2026-12-31.")) from None
    data = await state.get_data()
    # The proxy holds to the end of that day, local time.
    until = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    proxy = await name_proxy(
        session, resident, int(data["household"]), int(data["person"]), until=until
    )
    await state.clear()
    await _named(session, proxy, i18n, zone, replies)


async def _named(
    session: AsyncSession, proxy: Proxy, i18n: I18n, zone: ZoneInfo, replies: Replies
) -> None:
    person = await session.get_one(Resident, proxy.proxy_resident_id)
    flat = await _flat_text(session, proxy.household_id)
    replies.say(
        _(
            "{person} can now vote for {flat}: {scope}. You can withdraw this with /proxy "
            "until they have voted."
        ).format(person=person.full_name, flat=flat, scope=_scope_text(proxy, zone))
    )
    with i18n.context(), i18n.use_locale(person.language or i18n.default_locale):
        text = _("{owner} named you to vote for {flat}: {scope}. Send /proxy to vote.").format(
            owner=proxy.owner_name, flat=flat, scope=_scope_text(proxy, zone)
        )
    compound = (await flats_by_id(session, [proxy.household_id]))[proxy.household_id].compound_id
    await queue_notice(
        session,
        "proxy_named",
        [Outgoing(chat_id=person.telegram_id, text=text)],
        compound_id=compound,
        key=f"proxy:{proxy.id}",
        zone=zone,
    )


async def acted(
    query: CallbackQuery,
    callback_data: ProxyAct,
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
    state: FSMContext,
) -> None:
    if callback_data.action == "withdraw":
        proxy = await withdraw(session, resident, callback_data.proxy_id)
        replies.edit(
            _("Withdrawn: nobody votes for {flat} by your proxy now.").format(
                flat=await _flat_text(session, proxy.household_id)
            )
        )
        return
    survey = await open_survey_of(session, callback_data.survey_id)
    proxy, ballot = await proxy_ballot(session, survey, resident, callback_data.proxy_id)
    replies.say(
        _("You vote for {flat} by proxy of {owner}.").format(
            flat=await _flat_text(session, proxy.household_id), owner=proxy.owner_name
        )
    )
    ballots = Ballots(session, resident, survey, ballot, i18n.current_locale, replies, state)
    await ballots.ask(await ballots.where(), edit=False)


def build_router() -> Router:
    router = Router(name="proxies")
    router.message.register(show, Command("proxy"))
    router.callback_query.register(picked, ProxyPick.filter())
    router.callback_query.register(scoped, ProxyFor.filter())
    router.callback_query.register(acted, ProxyAct.filter())
    router.message.register(
        until_typed, StateFilter(ProxyNaming.until), F.text, ~F.text.startswith("/")
    )
    return router
