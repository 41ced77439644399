"""Complaints (建设共管): categories, the states a complaint moves through, and the limits
against abuse and accidents. Pure: standard library only.

States follow mature issue trackers (FixMyStreet): the committee moves a complaint between
any two states it may set; a finished one (resolved, no further action, duplicate, closed)
can be reopened by its reporter within a set number of days, going back to submitted."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from surveys.text import printable, telegram_length


class Category(enum.StrEnum):
    QUALITY = "quality"  # construction quality
    UNSAFE = "unsafe"  # unsafe or non-compliant work
    MATERIALS = "materials"  # inferior materials
    NOISE = "noise"
    DELAY = "delay"
    ILLEGAL = "illegal"  # illegal structure
    MANAGEMENT = "management"  # property management
    OTHER = "other"


class State(enum.StrEnum):
    DRAFT = "draft"  # being written in the guided chat; nobody else sees it
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    ACTION_SCHEDULED = "scheduled"
    RESOLVED = "resolved"
    NO_FURTHER_ACTION = "no_action"
    DUPLICATE = "duplicate"
    CLOSED = "closed"


# What the committee may set; submitted comes only from filing and reopening.
COMMITTEE_STATES = (
    State.ACKNOWLEDGED,
    State.IN_PROGRESS,
    State.ACTION_SCHEDULED,
    State.RESOLVED,
    State.NO_FURTHER_ACTION,
    State.DUPLICATE,
    State.CLOSED,
)
FINISHED = frozenset({State.RESOLVED, State.NO_FURTHER_ACTION, State.DUPLICATE, State.CLOSED})


class Limit(enum.Enum):
    PER_DAY = "per_day"
    PHOTOS = "photos"
    TEXT = "text"


class OverLimit(Exception):
    """A limit was reached; `maximum` is the limit, for the refusal to name."""

    def __init__(self, limit: Limit, maximum: int) -> None:
        super().__init__(f"{limit.value}: at most {maximum}")
        self.limit, self.maximum = limit, maximum


@dataclass(frozen=True)
class ComplaintLimits:
    per_day: int = 3  # complaints a resident may file in 24 hours
    photos: int = 5  # photos per complaint
    text: int = 1000  # characters of a description or a note
    reopen_days: int = 14  # days after finishing that the reporter may reopen
    acknowledge_hours: int = 48  # the committee is reminded of a complaint not acknowledged

    def check_text(self, text: str) -> str:
        """The text as kept: printable, within the limit as Telegram counts (an emoji is two),
        so that a notice quoting it still fits in a message."""
        text = printable(text)
        if telegram_length(text) > self.text:
            raise OverLimit(Limit.TEXT, self.text)
        return text

    def check_photos(self, already: int) -> None:
        if already >= self.photos:
            raise OverLimit(Limit.PHOTOS, self.photos)

    def check_per_day(self, filed_in_last_day: int) -> None:
        if filed_in_last_day >= self.per_day:
            raise OverLimit(Limit.PER_DAY, self.per_day)

    def may_reopen(self, state: State, finished_at: datetime | None, now: datetime) -> bool:
        return (
            state in FINISHED
            and finished_at is not None
            and now <= finished_at + timedelta(days=self.reopen_days)
        )


def may_set(current: State, new: State) -> bool:
    """Whether the committee may move a filed complaint from `current` to `new`."""
    return current is not State.DRAFT and new in COMMITTEE_STATES and new is not current
