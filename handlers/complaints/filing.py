"""Residents file complaints in a guided chat (/complaint): category → description → photos
("Done") → place → anonymity → send, and get a tracking number. Each step is a state of the
`Filing` flow whose data names the draft; a button counts only at its own step of that draft,
so no step can be skipped by pressing (or forging) a later one. A press edits its message
into the next step; 「取消」 at each step, or /cancel, drops the draft. The reporter reopens
or rates a finished complaint with the buttons of the notice that told them."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.complaints import filing_view as view
from handlers.complaints.callbacks import ComplaintReply, ComplaintStep
from handlers.complaints.notices import filed_heading, reopened_heading, tell_committee
from handlers.complaints.texts import place_label
from handlers.shared.filters import Sorry
from handlers.shared.replies import Replies
from handlers.shared.texts import explained, refusal_text
from storage.complaints.models import Complaint
from storage.complaints.queries import (
    add_photo,
    building_units,
    complaint_row,
    compound_buildings,
    draft_of,
    drop_drafts,
    own_complaint,
    photo_count,
    place_draft,
    rate,
    reopen,
    start_draft,
    submit,
)
from storage.models import Building, Resident, Unit, utcnow
from storage.refusals import Refusal
from surveys.complaints import rules


class Filing(StatesGroup):
    """The steps of the guided chat; the data names the draft: {"complaint": its id}."""

    category = State()
    description = State()  # typed
    photos = State()  # sent, then "Done"
    place = State()
    anonymity = State()
    confirm = State()


# The step at which each button counts; 「取消」 counts at every step.
BUTTON_STEPS = {
    "cat": {Filing.category.state},
    "done": {Filing.photos.state},
    "loc": {Filing.place.state},
    "bld": {Filing.place.state},
    "unit": {Filing.place.state},
    "anon": {Filing.anonymity.state},
    "send": {Filing.confirm.state},
    "cancel": {step.state for step in Filing.__all_states__},
}
BUTTON_ONLY = (Filing.category, Filing.place, Filing.anonymity, Filing.confirm)
CATEGORIES = {category.value for category in rules.Category}


class Draft:
    """The draft a resident is writing, for the length of an update."""

    def __init__(
        self,
        session: AsyncSession,
        resident: Resident,
        draft: Complaint,
        limits: rules.ComplaintLimits,
        replies: Replies,
        state: FSMContext,
    ) -> None:
        self.session, self.resident, self.draft, self.limits = session, resident, draft, limits
        self.replies, self.state = replies, state

    async def go(self, step: State) -> None:
        await self.state.set_state(step)
        await self.state.set_data({"complaint": self.draft.id})

    async def place(self) -> str:
        draft, session = self.draft, self.session
        building = await session.get(Building, draft.building_id) if draft.building_id else None
        unit = await session.get(Unit, draft.unit_id) if draft.unit_id else None
        return place_label(building and building.name, unit and unit.name)

    async def summary(self, heading: str) -> str:
        photos = await photo_count(self.session, self.draft)
        return view.summary(heading, self.draft, await self.place(), photos)

    async def pressed(self, field: str, value: str, i18n: I18n, zone: ZoneInfo) -> None:
        """The press of a button of the step the draft is at: record it, show the next step."""
        draft, replies = self.draft, self.replies
        if field == "cat" and value in CATEGORIES:
            draft.category = rules.Category(value)
            await self.go(Filing.description)
            replies.edit(
                view.description_question(draft.category, self.limits),
                view.step_buttons(draft.id, []),
            )
        elif field == "done":
            await self.go(Filing.place)
            photos = await photo_count(self.session, draft)
            replies.edit(*view.place_question(draft.id, photos, await self.place()))
        elif field == "loc" and value in ("own", "common"):
            if value == "common":
                draft.building_id = draft.unit_id = None
            await self.placed()
        elif field == "loc" and value == "other":
            buildings = await compound_buildings(self.session, draft.compound_id)
            replies.edit(*view.building_question(draft.id, buildings))
        elif (
            field == "bld"
            and value.isdigit()
            and (found := await building_units(self.session, draft.compound_id, int(value)))
        ):
            replies.edit(*view.unit_question(draft.id, *found))
        elif field == "unit" and await self.place_at(value):
            await self.placed()
        elif field == "anon" and value in ("0", "1"):
            draft.anonymous = value == "1"
            await self.go(Filing.confirm)
            replies.edit(
                await self.summary(_("Please check your complaint:")), view.send_buttons(draft.id)
            )
        elif field == "send":
            await self.send(i18n, zone)
        elif field == "cancel":
            await cancel(self.session, self.resident, self.replies, self.state)
        else:  # a made-up value for the right step
            raise Sorry(_("This button is no longer valid."))

    async def place_at(self, value: str) -> bool:
        """Place the draft at "building.unit" (unit 0: the whole building), if in its compound."""
        building, _dot, unit = value.partition(".")
        if not (building.isdigit() and unit.isdigit()):
            return False
        return await place_draft(self.session, self.draft, int(building), int(unit) or None)

    async def placed(self) -> None:
        await self.go(Filing.anonymity)
        self.replies.edit(*view.anonymity_question(self.draft.id, await self.place()))

    async def send(self, i18n: I18n, zone: ZoneInfo) -> None:
        draft = self.draft
        await submit(self.session, draft, self.resident, self.limits, utcnow())
        await self.state.clear()
        row = await complaint_row(self.session, draft)
        await tell_committee(
            self.session, row, filed_heading, f"complaint-filed:{draft.id}", i18n, zone
        )
        self.replies.edit(await self.summary(view.filed_text(draft.id)))


class Writing(Filter):
    """Hands a message handler the draft the sender's step is about, as `writing`."""

    async def __call__(
        self,
        message: Message,
        session: AsyncSession,
        resident: Resident,
        complaint_limits: rules.ComplaintLimits,
        replies: Replies,
        state: FSMContext,
    ) -> dict[str, Any]:
        draft = await draft_of(session, resident, int((await state.get_data())["complaint"]))
        return {"writing": Draft(session, resident, draft, complaint_limits, replies, state)}


async def start(
    message: Message,
    session: AsyncSession,
    resident: Resident,
    complaint_limits: rules.ComplaintLimits,
    replies: Replies,
    state: FSMContext,
) -> None:
    draft = await start_draft(session, resident, complaint_limits, utcnow())
    await Draft(session, resident, draft, complaint_limits, replies, state).go(Filing.category)
    replies.say(*view.category_question(draft.id))


async def described(message: Message, writing: Draft) -> None:
    writing.draft.description = writing.limits.check_text(message.text or "")
    await writing.go(Filing.photos)
    writing.replies.say(view.photos_question(writing.limits), view.done_buttons(writing.draft.id))


async def photographed(message: Message, file_id: str, writing: Draft) -> None:
    count = await add_photo(writing.session, writing.draft, file_id, writing.limits)
    writing.replies.say(
        view.photo_received(count, writing.limits), view.done_buttons(writing.draft.id)
    )


async def not_a_photo(message: Message, replies: Replies, state: FSMContext) -> None:
    complaint_id = int((await state.get_data())["complaint"])
    if message.document and (message.document.mime_type or "").startswith("image/"):
        text = _("Please send the picture as a photo, not as a file, or tap “Done”.")
    else:
        text = explained(message, _("Please send a photo, or tap “Done”."))
    replies.say(text, view.done_buttons(complaint_id))


async def not_a_description(message: Message, replies: Replies) -> None:
    replies.say(explained(message, _("Please describe the problem in words first.")))


async def use_the_buttons(message: Message, replies: Replies) -> None:
    replies.say(
        explained(message, _("Please answer with the buttons above, or tap “Cancel” to stop."))
    )


async def photo_outside(message: Message, replies: Replies) -> None:
    """A photo with no complaint being written: say where photos are taken."""
    replies.say(
        _(
            "I only take photos while you write a complaint. Send /complaint to report a "
            "problem: after the description, it asks for photos."
        )
    )


async def pressed(
    query: CallbackQuery,
    callback_data: ComplaintStep,
    session: AsyncSession,
    resident: Resident,
    complaint_limits: rules.ComplaintLimits,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
    state: FSMContext,
) -> None:
    complaint = await own_complaint(session, resident, callback_data.complaint_id)
    if complaint.state is not rules.State.DRAFT:
        raise Sorry(refusal_text(Refusal.COMPLAINT_SENT))
    data = await state.get_data()
    steps = BUTTON_STEPS.get(callback_data.field, set())
    if data.get("complaint") != complaint.id or await state.get_state() not in steps:
        raise Sorry(
            _(
                "This button is not for the step your complaint is at. Please use the buttons "
                "of the latest message, or send /complaint to start again."
            )
        )
    writing = Draft(session, resident, complaint, complaint_limits, replies, state)
    await writing.pressed(callback_data.field, callback_data.value, i18n, zone)


async def cancel(
    session: AsyncSession, resident: Resident, replies: Replies, state: FSMContext
) -> None:
    """「取消」 or /cancel: the draft is dropped (a command has already ended any flow)."""
    await state.clear()
    if await drop_drafts(session, resident):
        replies.edit(_("Your complaint is cancelled; nothing was sent."))
    else:
        replies.say(_("Cancelled. Send /help to see what I can do."))


async def cancel_command(
    message: Message, session: AsyncSession, resident: Resident, replies: Replies, state: FSMContext
) -> None:
    await cancel(session, resident, replies, state)


async def replied(
    query: CallbackQuery,
    callback_data: ComplaintReply,
    session: AsyncSession,
    resident: Resident,
    complaint_limits: rules.ComplaintLimits,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    if callback_data.score == 0:
        complaint = await reopen(
            session, resident, callback_data.complaint_id, complaint_limits, utcnow()
        )
        row = await complaint_row(session, complaint)
        assert complaint.acknowledge_by is not None
        key = f"complaint-reopened:{complaint.id}:{complaint.acknowledge_by.timestamp():.0f}"
        await tell_committee(session, row, reopened_heading, key, i18n, zone)
        text = _("Complaint #{number} is reopened; the committee will look at it again.")
    else:
        complaint = await rate(session, resident, callback_data.complaint_id, callback_data.score)
        text = _("Thank you: your rating of complaint #{number} is recorded.")
    replies.alert(text.format(number=complaint.id))


def build_router() -> Router:
    router = Router(name="complaints")
    router.message.register(start, Command("complaint"))
    router.message.register(cancel_command, Command("cancel"))
    router.callback_query.register(pressed, ComplaintStep.filter())
    router.callback_query.register(replied, ComplaintReply.filter())
    # A command never reaches these: it ends the flow first (CommandsEndFlows).
    router.message.register(described, StateFilter(Filing.description), F.text, Writing())
    router.message.register(not_a_description, StateFilter(Filing.description))
    router.message.register(
        photographed, StateFilter(Filing.photos), F.photo[-1].file_id.as_("file_id"), Writing()
    )
    router.message.register(not_a_photo, StateFilter(Filing.photos))
    router.message.register(use_the_buttons, StateFilter(*BUTTON_ONLY))
    router.message.register(photo_outside, StateFilter(None), F.photo)
    return router
