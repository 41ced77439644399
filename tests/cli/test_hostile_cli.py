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
