"""The dispatcher's pacing, on a clock the test passes: the bot's overall rate with its burst,
a chat's interval, and a 429's hold."""

import pytest

from bot.outbox_dispatcher import ChatPaces, Pace


def test_the_bot_sends_a_burst_at_once_then_one_an_interval() -> None:
    pace = Pace(0.1, burst=3)
    assert [pace.reserve(now=10.0) for _ in range(3)] == [0, 0, 0]
    assert pace.reserve(now=10.0) == pytest.approx(0.1)
    assert pace.reserve(now=10.0) == pytest.approx(0.2)
    assert pace.reserve(now=20.0) == 0  # a lull gives the burst back


def test_a_chats_moments_are_an_interval_apart_however_late_it_asks() -> None:
    chats = ChatPaces(0.2)
    assert chats.reserve(1, now=10.0) == 0
    assert chats.reserve(1, now=10.05) == pytest.approx(0.15)  # at 10.2
    assert chats.reserve(2, now=10.05) == 0  # another chat waits for nobody
    assert chats.reserve(1, now=10.3) == pytest.approx(0.1)  # at 10.4: no burst for a chat
    assert chats.reserve(1, now=11.0) == 0  # past its moment: at once


def test_a_429_holds_every_moment_until_its_end() -> None:
    pace = Pace(0.1, burst=3)
    pace.hold(until=12.0)
    assert pace.reserve(now=10.0) == pytest.approx(2.0)
    assert pace.reserve(now=10.0) == pytest.approx(2.1)
