"""When a notice may go out: quiet hours, the committee's local times, and which reminder of a
survey is due. Pure: the caller passes the moment ("now") and the compound's timezone."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")
LOCAL_TIME_FORMAT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class QuietHours:
    """Notices due from `start` until `end` (local time) wait for `end`; the span may cross
    midnight. Equal start and end mean no quiet hours."""

    start: time
    end: time

    @property
    def off(self) -> bool:
        return self.start == self.end

    def covers(self, moment: time) -> bool:
        if self.off:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def __str__(self) -> str:
        return "off" if self.off else f"{self.start:%H:%M}-{self.end:%H:%M}"


DEFAULT_QUIET_HOURS = QuietHours(time(21, 30), time(8, 0))
NO_QUIET_HOURS = QuietHours(time(0, 0), time(0, 0))


def parse_quiet_hours(text: str) -> QuietHours:
    """ "21:30-08:00", or "off"; ValueError says what is expected."""
    if text.strip().lower() == "off":
        return NO_QUIET_HOURS
    found = _HOURS.match(text)
    try:
        if found is None:
            raise ValueError
        hour1, minute1, hour2, minute2 = (int(part) for part in found.groups())
        return QuietHours(time(hour1, minute1), time(hour2, minute2))
    except ValueError:
        raise ValueError("not a span of quiet hours such as 21:30-08:00 (or off)") from None


def deliverable_at(moment: datetime, hours: QuietHours, zone: ZoneInfo) -> datetime:
    """`moment` itself (in UTC) when it is outside the quiet hours in `zone`, else the end of
    the quiet hours it falls in: the same morning after midnight, the next one before it."""
    local = moment.astimezone(zone)
    if not hours.covers(local.time()):
        return moment.astimezone(UTC)
    day = local.date()
    if hours.start > hours.end and local.time() >= hours.start:
        day += timedelta(days=1)
    return datetime.combine(day, hours.end, tzinfo=zone).astimezone(UTC)


def parse_local_time(text: str, zone: ZoneInfo) -> datetime:
    """ "2026-12-03 09:00" in the compound's timezone, as an aware UTC datetime."""
    try:
        naive = datetime.strptime(" ".join(text.split()), LOCAL_TIME_FORMAT)
    except ValueError:
        raise ValueError("not a date and time such as 2026-12-03 09:00") from None
    return naive.replace(tzinfo=zone).astimezone(UTC)


def due_reminder(
    offsets: Sequence[int], opened_at: datetime, closes_at: datetime, now: datetime
) -> int | None:
    """The reminder (hours before the close) to send at `now`: the latest whose moment has
    come, if that moment came after the opening and the survey is still open. An earlier
    reminder that was missed (the bot was down) is not sent late on top of it."""
    if now >= closes_at:
        return None
    due = [h for h in offsets if opened_at < closes_at - timedelta(hours=h) <= now]
    return min(due, default=None)
