"""`linli dispatch` refuses, in one sentence, to start without what it needs."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import main
from tests.outbox.conftest import BOT_TOKEN


@pytest.mark.parametrize(
    ("environment", "sentence"),
    [
        ({}, "LINLI_BOT_TOKEN is not set; this command needs it."),
        (
            {"LINLI_BOT_TOKEN": BOT_TOKEN, "LINLI_SEND_RATE": "0"},
            "LINLI_SEND_RATE is not valid: it must be a number of messages per second, above 0 "
            "and at most 1000.",
        ),
        (
            {"LINLI_BOT_TOKEN": BOT_TOKEN, "LINLI_SEND_RATE": "fast"},
            "LINLI_SEND_RATE is not valid: Input should be a valid number",
        ),
    ],
)
def test_dispatch_names_what_is_missing_or_wrong(
    environment: dict[str, str], sentence: str
) -> None:
    unset = {"LINLI_BOT_TOKEN": None, "LINLI_SEND_RATE": None}
    result = CliRunner().invoke(main, ["dispatch"], env={**unset, **environment})
    assert result.exit_code == 2
    assert sentence in result.output
    assert "Traceback" not in result.output
