"""The command line given what an operator may paste without meaning harm: an emoji-heavy
announcement, numbers that are not digits or overflow the database, absurd amounts, control
characters. Each is one sentence and exit status 2, never a traceback, and nothing is written
that would break the chat or an export later."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import GOOD, linli

LOUD = "📢" * 2100  # 2,100 characters, 4,200 UTF-16 code units: over Telegram's 4,096


@pytest.fixture
def imported(database_url: str, tmp_path: Path) -> str:
    register = tmp_path / "register.csv"
    register.write_text(GOOD, encoding="utf-8")
    assert linli(database_url, "import", "households", str(register), "--compound", "幸福里")
    return database_url


def refused(result_output: str, exit_code: int) -> str:
    assert exit_code == 2, result_output
    assert "Traceback" not in result_output
    return result_output


def test_an_overlong_announcement_is_refused_in_one_sentence(imported: str) -> None:
    result = linli(imported, "announce", "--compound", "幸福里", LOUD)
    output = refused(result.output, result.exit_code)
    assert "Nothing was sent" in output and "UTF-16" in output
    listing = linli(imported, "announcements", "list", "--compound", "幸福里")
    assert listing.output == ""


@pytest.mark.parametrize("number", ["²", "99999999999999999999", "١", "1_0", "0"])
def test_numbers_are_digits_within_their_column(imported: str, number: str) -> None:
    for args in (
        ("survey", "open", number),
        ("tally", number),
        ("announcements", "cancel", number),
        ("codes", "revoke", number),
        ("committee", "add", "--compound", "幸福里", "--user", number),
        ("drive", "open", number),
    ):
        result = linli(imported, *args)
        assert "expected a whole number" in refused(result.output, result.exit_code), args


def test_days_and_uses_are_bounded(imported: str) -> None:
    assert linli(imported, "survey", "create", "elevator", "--compound", "幸福里").exit_code == 0
    for args in (
        ("survey", "open", "1", "--days", "1000000000"),  # overflowed timedelta
        ("qr", "--compound", "幸福里", "--expires-days", "99999999999"),
        ("qr", "--compound", "幸福里", "--max-uses", "99999999999"),
    ):
        result = linli(imported, *args)
        assert "from 1 to" in refused(result.output, result.exit_code), args


def test_absurd_amounts_are_refused_naming_the_option(imported: str) -> None:
    create = ["drive", "create", "--compound", "幸福里", "--title", "粉刷", "--plan", "equal"]
    result = linli(imported, *create, "--total-yuan", "1e999999")
    assert "Nothing was created: --total-yuan 1e999999: not an amount of yuan" in refused(
        result.output, result.exit_code
    )
    factors = ["--plan", "floor_percent", "--factors", "1=1e-999999999"]
    result = linli(imported, *create[:-2], *factors, "--total-yuan", "100")
    assert "factor of floor 1" in refused(result.output, result.exit_code)


def test_control_characters_never_reach_the_database(imported: str, tmp_path: Path) -> None:
    result = linli(imported, "announce", "--compound", "幸福里", "停水\x00通知\x1b[5m")
    assert result.exit_code == 0, result.output
    listing = linli(imported, "announcements", "list", "--compound", "幸福里").output
    assert listing.rstrip("\n").endswith("\t停水通知[5m")
    register = tmp_path / "register.csv"
    register.write_text(GOOD, encoding="utf-8")
    result = linli(imported, "import", "households", str(register), "--compound", "安居\x00苑")
    assert result.exit_code == 0 and "安居苑: 2 flats added" in result.output
