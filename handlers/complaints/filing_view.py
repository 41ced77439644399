"""How the guided complaint chat reads in Telegram: each step's question and buttons, every
step with a 「取消」 button, and the summary checked before sending. What comes next is
decided by handlers.complaints.filing; this only renders it."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.complaints.callbacks import ComplaintStep
from handlers.complaints.texts import category_label
from storage.complaints.models import Complaint
from surveys.complaints.rules import Category, ComplaintLimits


def step_buttons(complaint_id: int, choices: list[tuple[str, str, str]]) -> InlineKeyboardMarkup:
    """(label, field, value) buttons of a step, one per row, then 「取消」."""
    builder = InlineKeyboardBuilder()
    for label, field, value in [*choices, (_("Cancel"), "cancel", "")]:
        builder.button(
            text=label,
            callback_data=ComplaintStep(complaint_id=complaint_id, field=field, value=value),
        )
    builder.adjust(1)
    return builder.as_markup()


def category_question(complaint_id: int) -> tuple[str, InlineKeyboardMarkup]:
    choices = [(category_label(category), "cat", category.value) for category in Category]
    return _("What is the complaint about?"), step_buttons(complaint_id, choices)


def description_question(category: Category, limits: ComplaintLimits) -> str:
    return "\n\n".join(
        [
            _("Category: {category}").format(category=category_label(category)),
            _("Describe the problem (at most {limit} characters).").format(limit=limits.text),
        ]
    )


def photos_question(limits: ComplaintLimits) -> str:
    return _("Send one or more photos of the problem (at most {limit}), then tap “Done”.").format(
        limit=limits.photos
    )


def photo_received(count: int, limits: ComplaintLimits) -> str:
    return _("Photo {count} received (at most {limit}). Send more, or tap “Done”.").format(
        count=count, limit=limits.photos
    )


def done_buttons(complaint_id: int) -> InlineKeyboardMarkup:
    return step_buttons(complaint_id, [(_("Done"), "done", "")])


def place_question(complaint_id: int, photos: int, own: str) -> tuple[str, InlineKeyboardMarkup]:
    choices = [(own, "loc", "own"), (_("A common area of the compound"), "loc", "common")]
    text = "\n\n".join([_("Photos: {count}").format(count=photos), _("Where is the problem?")])
    return text, step_buttons(complaint_id, choices)


def anonymity_question(complaint_id: int, place: str) -> tuple[str, InlineKeyboardMarkup]:
    choices = [(_("Show my name"), "anon", "0"), (_("Stay anonymous"), "anon", "1")]
    text = "\n\n".join(
        [
            _("Where: {place}").format(place=place),
            _("Should other residents see that you reported it? The committee always knows."),
        ]
    )
    return text, step_buttons(complaint_id, choices)


def summary(heading: str, draft: Complaint, place: str, photos: int) -> str:
    """The complaint as the committee will get it, under `heading`."""
    return "\n".join(
        [
            heading,
            _("Category: {category}").format(category=category_label(draft.category)),
            _("Where: {place}").format(place=place),
            _("Photos: {count}").format(count=photos),
            _("Anonymous to other residents: {answer}").format(
                answer=_("yes") if draft.anonymous else _("no")
            ),
            "",
            draft.description or "",
        ]
    )


def send_buttons(complaint_id: int) -> InlineKeyboardMarkup:
    return step_buttons(complaint_id, [(_("Send"), "send", "")])


def filed_text(number: int) -> str:
    return _(
        "Your complaint is filed. Its tracking number is #{number}; you will be told of every "
        "change."
    ).format(number=number)
