"""How a complaint reads in the chat: its category, state and place, the committee's view of
it, and the reporter's notice of a change."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.complaints.callbacks import ComplaintReply
from handlers.shared.texts import building_label, unit_label
from storage.complaints.queries import ComplaintRow
from surveys.complaints.rules import FINISHED, Category, Limit, OverLimit, State

EXCERPT = 60  # characters of a description in a list


def category_label(category: Category | None) -> str:
    return {
        Category.QUALITY: _("construction quality"),
        Category.UNSAFE: _("unsafe work"),
        Category.MATERIALS: _("inferior materials"),
        Category.NOISE: _("noise"),
        Category.DELAY: _("delay"),
        Category.ILLEGAL: _("illegal structure"),
        Category.MANAGEMENT: _("property management"),
        Category.OTHER: _("other"),
        None: _("other"),
    }[category]


def state_label(state: State) -> str:
    return {
        State.SUBMITTED: _("submitted"),
        State.ACKNOWLEDGED: _("acknowledged"),
        State.IN_PROGRESS: _("in progress"),
        State.ACTION_SCHEDULED: _("action scheduled"),
        State.RESOLVED: _("resolved"),
        State.NO_FURTHER_ACTION: _("no further action"),
        State.DUPLICATE: _("duplicate"),
        State.CLOSED: _("closed"),
    }[state]


def place_label(building: str | None, unit: str | None) -> str:
    if building is None:
        return _("a common area of the compound")
    return " ".join(filter(None, (building_label(building), unit and unit_label(unit))))


def row_line(row: ComplaintRow) -> str:
    """One line of the committee's list."""
    complaint = row.complaint
    description = complaint.description or ""
    if len(description) > EXCERPT:
        description = description[:EXCERPT] + "…"
    return _("#{number} [{state}] {category} — {place} — {description}").format(
        number=complaint.id,
        state=state_label(complaint.state),
        category=category_label(complaint.category),
        place=place_label(row.building, row.unit),
        description=description,
    )


def committee_view(row: ComplaintRow) -> str:
    complaint = row.complaint
    reporter = row.reporter_name or _("a resident")
    if complaint.anonymous:
        reporter = _("{name} (asks that the name stay within the committee)").format(name=reporter)
    lines = [
        _("Complaint #{number}: {category}").format(
            number=complaint.id, category=category_label(complaint.category)
        ),
        _("State: {state}").format(state=state_label(complaint.state)),
        _("Where: {place}").format(place=place_label(row.building, row.unit)),
        _("Reported by: {reporter}, Telegram number {id}").format(
            reporter=reporter, id=row.reporter_telegram_id
        ),
        _("Photos: {count}").format(count=row.photos),
    ]
    if complaint.assignee_id is not None:
        lines.append(_("Assigned to: {id}").format(id=complaint.assignee_id))
    if complaint.rating is not None:
        lines.append(_("Reporter's rating: {score}/5").format(score=complaint.rating))
    lines += ["", complaint.description or ""]
    return "\n".join(lines)


def reporter_notice(
    number: int, state: State, note: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The reporter's message about a change, with reopen and rating buttons once finished."""
    text = "\n".join(
        [
            _("Your complaint #{number} is now: {state}.").format(
                number=number, state=state_label(state)
            ),
            _("Note from the committee: {note}").format(note=note),
        ]
    )
    if state not in FINISHED:
        return text, None
    text += "\n\n" + _(
        "How well was it resolved? Tap 1 (poor) to 5 (very well). If the problem is not "
        "solved, you can reopen it."
    )
    builder = InlineKeyboardBuilder()
    for score in range(1, 6):
        builder.button(
            text=str(score), callback_data=ComplaintReply(complaint_id=number, score=score)
        )
    builder.button(text=_("Reopen"), callback_data=ComplaintReply(complaint_id=number, score=0))
    builder.adjust(5, 1)
    return text, builder.as_markup()


def limit_text(over: OverLimit) -> str:
    """A refusal that names the limit reached."""
    return {
        Limit.PER_DAY: _(
            "You can file at most {limit} complaints in 24 hours. Please try again later."
        ),
        Limit.PHOTOS: _("A complaint can have at most {limit} photos."),
        Limit.TEXT: _("Please keep it to at most {limit} characters."),
    }[over.limit].format(limit=over.maximum)
