"""Quiet hours, local times and due reminders, computed by hand."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from surveys.notice_times import (
    DEFAULT_QUIET_HOURS,
    NO_QUIET_HOURS,
    QuietHours,
    deliverable_at,
    due_reminder,
    parse_local_time,
    parse_quiet_hours,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")  # UTC+8 all year
BERLIN = ZoneInfo("Europe/Berlin")  # UTC+1, UTC+2 from 2026-03-29 02:00


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (utc(2026, 12, 3, 13, 29), utc(2026, 12, 3, 13, 29)),  # 21:29 local: before
        (utc(2026, 12, 3, 13, 30), utc(2026, 12, 4, 0, 0)),  # 21:30: next morning 08:00
        (utc(2026, 12, 3, 15, 59), utc(2026, 12, 4, 0, 0)),  # 23:59
        (utc(2026, 12, 3, 16, 0), utc(2026, 12, 4, 0, 0)),  # midnight: the same morning
        (utc(2026, 12, 3, 23, 59), utc(2026, 12, 4, 0, 0)),  # 07:59
        (utc(2026, 12, 4, 0, 0), utc(2026, 12, 4, 0, 0)),  # 08:00: awake
        (utc(2026, 12, 31, 14, 0), utc(2027, 1, 1, 0, 0)),  # 22:00 on new year's eve
    ],
)
def test_quiet_hours_across_midnight_in_shanghai(moment: datetime, expected: datetime) -> None:
    assert deliverable_at(moment, DEFAULT_QUIET_HOURS, SHANGHAI) == expected


def test_the_morning_after_a_clock_change_is_local_time() -> None:
    hours = QuietHours(time(22, 0), time(7, 0))
    # 23:00 CET on 2026-03-28; 07:00 the next morning is CEST: 05:00 UTC, not 06:00.
    assert deliverable_at(utc(2026, 3, 28, 22, 0), hours, BERLIN) == utc(2026, 3, 29, 5, 0)
    # In winter the same 07:00 is 06:00 UTC.
    assert deliverable_at(utc(2026, 1, 10, 22, 0), hours, BERLIN) == utc(2026, 1, 11, 6, 0)


def test_quiet_hours_within_one_day_and_none_at_all() -> None:
    siesta = QuietHours(time(12, 0), time(14, 0))
    assert deliverable_at(utc(2026, 6, 1, 5, 0), siesta, SHANGHAI) == utc(2026, 6, 1, 6, 0)
    assert deliverable_at(utc(2026, 6, 1, 3, 59), siesta, SHANGHAI) == utc(2026, 6, 1, 3, 59)
    assert deliverable_at(utc(2026, 6, 1, 16, 0), NO_QUIET_HOURS, SHANGHAI) == utc(2026, 6, 1, 16)


def test_quiet_hours_are_read_and_written_as_a_span() -> None:
    assert parse_quiet_hours("22:00-7:30") == QuietHours(time(22, 0), time(7, 30))
    assert str(parse_quiet_hours(" 21:30 – 08:00 ")) == "21:30-08:00"
    assert parse_quiet_hours("OFF").off and str(NO_QUIET_HOURS) == "off"
    for bad in ("25:00-07:00", "22:00", "nightly"):
        with pytest.raises(ValueError, match="such as 21:30-08:00"):
            parse_quiet_hours(bad)


def test_a_local_time_is_read_in_the_compounds_zone() -> None:
    assert parse_local_time("2026-12-03 09:00", SHANGHAI) == utc(2026, 12, 3, 1, 0)
    assert parse_local_time(" 2026-07-01   09:00 ", BERLIN) == utc(2026, 7, 1, 7, 0)
    for bad in ("2026-12-03", "03.12.2026 09:00", "2026-02-30 09:00"):
        with pytest.raises(ValueError, match="such as 2026-12-03 09:00"):
            parse_local_time(bad, SHANGHAI)


OPENED, CLOSES = utc(2026, 12, 1), utc(2026, 12, 10)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (utc(2026, 12, 7, 23, 59), None),
        (utc(2026, 12, 8, 0, 0), 48),  # two days before the close
        (utc(2026, 12, 9, 21, 59), 48),
        (utc(2026, 12, 9, 22, 0), 2),  # two hours before: the later one replaces it
        (CLOSES, None),
    ],
)
def test_the_latest_reminder_that_has_come_is_due(now: datetime, due: int | None) -> None:
    assert due_reminder((48, 2), OPENED, CLOSES, now) == due


def test_a_reminder_due_before_the_opening_is_never_sent() -> None:
    opened = utc(2026, 12, 9)  # one day before the close
    assert due_reminder((48, 2), opened, CLOSES, utc(2026, 12, 9, 12)) is None
    assert due_reminder((48, 2), opened, CLOSES, utc(2026, 12, 9, 22)) == 2
    assert due_reminder((), OPENED, CLOSES, utc(2026, 12, 9, 23)) is None
