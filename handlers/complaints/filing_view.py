"""How the guided complaint chat reads in Telegram: each step's question and buttons, every
step with a 「取消」 button, and the summary checked before sending. What comes next is
decided by handlers.complaints.filing; this only renders it."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.complaints.callbacks import ComplaintStep
from handlers.complaints.texts import category_label
from handlers.shared.texts import building_label, unit_label
from storage.complaints.models import Complaint
from storage.models import Building, Unit
from surveys.complaints.rules import Category, ComplaintLimits

PLACES_SHOWN = 90  # buttons of buildings or units: within Telegram's 100, with 「取消」


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
    choices = [
        (own, "loc", "own"),
        (_("Another building or unit"), "loc", "other"),
        (_("A common area of the compound"), "loc", "common"),
    ]
    text = "\n\n".join([_("Photos: {count}").format(count=photos), _("Where is the problem?")])
    return text, step_buttons(complaint_id, choices)


def building_question(
    complaint_id: int, buildings: Sequence[Building]
) -> tuple[str, InlineKeyboardMarkup]:
    choices = [
        (building_label(building.name), "bld", str(building.id))
        for building in buildings[:PLACES_SHOWN]
    ]
    return _("Which building?"), step_buttons(complaint_id, choices)


def unit_question(
    complaint_id: int, building: Building, units: Sequence[Unit]
) -> tuple[str, InlineKeyboardMarkup]:
    """The units of the building, or the whole of it; a value names "building.unit" (0: the
    whole building)."""
    choices = [(_("The whole building"), "unit", f"{building.id}.0")]
    choices += [
        (unit_label(unit.name), "unit", f"{building.id}.{unit.id}") for unit in units[:PLACES_SHOWN]
    ]
    text = _("Where in {building}?").format(building=building_label(building.name))
    return text, step_buttons(complaint_id, choices)


def anonymity_question(complaint_id: int, place: str) -> tuple[str, InlineKeyboardMarkup]:
    choices = [
        (_("The committee may give my name"), "anon", "0"),
        (_("Keep my name within the committee"), "anon", "1"),
    ]
    text = "\n\n".join(
        [
            _("Where: {place}").format(place=place),
            _(
                "Who sees your name: the committee's members, always. Other residents never do: "
                "complaints are shown to the committee only. Should the committee also keep your "
                "name to itself when it takes the complaint up with others, such as the builder "
                "or the property manager?"
            ),
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
            _("Your name: seen by the committee only, never by other residents; {wish}.").format(
                wish=_("the committee keeps it to itself")
                if draft.anonymous
                else _("the committee may give it when it takes the complaint up")
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
