"""What an operator mistypes is told in one sentence, and nothing is created by mistake."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.cli.test_cli import linli

TOKEN = "123456:operator-test-token"


def one_sentence(output: str) -> str:
    assert "Traceback" not in output
    [line] = output.strip().splitlines()
    assert line.startswith("Error: ")
    return line.removeprefix("Error: ")


def test_an_unreachable_bot_api_is_one_sentence(database_url: str, unused_tcp_port: int) -> None:
    api = f"http://127.0.0.1:{unused_tcp_port}"  # nothing listens there
    for command in ("run", "webhook"):
        result = linli(
            database_url, command, LINLI_BOT_TOKEN=TOKEN, LINLI_API_URL=api,
            LINLI_WEBHOOK_URL="https://bot.example.org", LINLI_WEBHOOK_SECRET="s3cret",
        )  # fmt: skip
        assert result.exit_code == 2
        sentence = one_sentence(result.output)
        assert sentence.startswith(f"Cannot reach the Bot API at {api} (")
        assert sentence.endswith("); check LINLI_API_URL and the network.")


class _Refusing(BaseHTTPRequestHandler):
    """A Bot API that refuses every token, as Telegram answers a revoked one."""

    def do_POST(self) -> None:
        body = json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"})
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads the command's output, not the server's log."""


@pytest.fixture
def refusing_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()


def test_a_token_telegram_refuses_is_one_sentence(database_url: str, refusing_api: str) -> None:
    result = linli(database_url, "run", LINLI_BOT_TOKEN=TOKEN, LINLI_API_URL=refusing_api)
    assert result.exit_code == 2
    assert one_sentence(result.output) == (
        "Telegram does not accept LINLI_BOT_TOKEN; copy the token from @BotFather again."
    )


@pytest.mark.parametrize(
    "token", ["bot123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "123456", "123456:AA H", "AA:123"]
)
def test_a_token_not_shaped_like_telegrams_is_refused(tmp_path: Path, token: str) -> None:
    result = linli(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", "run", LINLI_BOT_TOKEN=token)
    assert result.exit_code == 2
    assert one_sentence(result.output) == (
        "LINLI_BOT_TOKEN is not valid: it should look like 123456789:AA… as given by @BotFather."
    )


def test_a_mistyped_database_path_creates_no_database(tmp_path: Path) -> None:
    missing_folder = tmp_path / "no-such-folder" / "linli.db"
    for command in (("db", "upgrade"), ("committee", "list"), ("run",)):
        result = linli(f"sqlite+aiosqlite:///{missing_folder}", *command, LINLI_BOT_TOKEN=TOKEN)
        assert result.exit_code == 2
        assert one_sentence(result.output) == (
            f"LINLI_DATABASE_URL names {missing_folder}, but the folder {missing_folder.parent} "
            "does not exist; check the path."
        )
    assert not missing_folder.parent.exists()

    typo = tmp_path / "linil.db"
    for command in (("committee", "list"), ("db", "current"), ("run",), ("dispatch",)):
        result = linli(f"sqlite+aiosqlite:///{typo}", *command, LINLI_BOT_TOKEN=TOKEN)
        assert result.exit_code == 2, command
        assert one_sentence(result.output) == (
            f"There is no database at {typo}; check LINLI_DATABASE_URL, or create it with "
            "`linli db upgrade`."
        )
    assert not typo.exists()
    assert linli(f"sqlite+aiosqlite:///{typo}", "db", "upgrade").exit_code == 0
    assert typo.exists()


@pytest.mark.parametrize("url", ["http://bot.example.org", "bot.example.org", "ftp://x.org"])
def test_the_webhook_url_must_be_https(tmp_path: Path, url: str) -> None:
    result = linli(
        f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", "webhook",
        LINLI_BOT_TOKEN=TOKEN, LINLI_WEBHOOK_URL=url, LINLI_WEBHOOK_SECRET="s3cret",
    )  # fmt: skip
    assert result.exit_code == 2
    assert one_sentence(result.output) == (
        "LINLI_WEBHOOK_URL is not valid: it must be an https:// address; Telegram delivers "
        "updates only over HTTPS."
    )
