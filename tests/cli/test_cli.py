"""The `linli` command line as an operator uses it, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from click.testing import CliRunner, Result
from PIL import Image
from sqlalchemy import ColumnElement, func, select

from bot.cli import main
from storage.db import create_engine
from storage.models import Household, JoinCode
from surveys.joining.tokens import verify
from surveys.voting.sheets import verify_sheet

SECRET = "cli-test-secret-0123456789"
USERNAME = "linli_cli_bot"
GOOD = "楼栋,单元,楼层,房号,面积,业主编号\n3栋,1单元,1,101,89.37,A1\n3栋,1单元,1,102,60.00,A2\n"
BAD = (
    "楼栋,单元,楼层,房号,面积,业主编号\n"
    "3栋,1单元,1,101,89.37,A1\n"
    "3栋,1单元,1,102,abc,A2\n"
    "3栋,1单元,-2,103,50,A3\n"
    "3栋,1单元,2,101,70,A4\n"
)


def linli(database_url: str, *args: str, **env: str) -> Result:
    environment = {
        "LINLI_DATABASE_URL": database_url,
        "LINLI_SECRET_KEY": SECRET,
        "LINLI_BOT_USERNAME": USERNAME,
        **env,
    }
    return CliRunner().invoke(main, list(args), env=environment, catch_exceptions=False)


def count(database_url: str, model: type, *where: ColumnElement[bool]) -> int:
    async def query() -> int:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as connection:
                counted = select(func.count()).select_from(model).where(*where)
                return int(await connection.scalar(counted) or 0)
        finally:
            await engine.dispose()

    return asyncio.run(query())


@pytest.fixture
def register(tmp_path: Path) -> Path:
    path = tmp_path / "register.csv"
    path.write_text(GOOD, encoding="gb18030")
    return path


def test_a_malformed_register_names_every_bad_row_and_writes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8-sig")
    result = linli(database_url, "import", "households", str(path), "--compound", "幸福里")
    assert result.exit_code == 2
    assert "Nothing was imported" in result.output
    for line in ("line 3, column 面积", "line 4, column 楼层", "line 5"):
        assert line in result.output
    assert "Traceback" not in result.output
    assert count(database_url, Household) == 0


def test_import_then_qr_codes_that_decode_to_deep_links(
    database_url: str, register: Path, tmp_path: Path
) -> None:
    result = linli(database_url, "import", "households", str(register), "--compound", "幸福里")
    assert result.exit_code == 0 and "2 flats added" in result.output
    again = linli(database_url, "import", "households", str(register), "--compound", "幸福里")
    assert "0 flats added, 0 updated, 2 unchanged" in again.output

    out = tmp_path / "codes"
    result = linli(database_url, "qr", "--compound", "幸福里", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert count(database_url, JoinCode) == 4  # compound, unit, two flats
    with (out / "codes.csv").open(encoding="utf-8-sig") as index:
        rows = list(csv.DictReader(index))
    assert {row["kind"] for row in rows} == {"compound", "unit", "flat"}
    for row in rows:
        [decoded] = zxingcpp.read_barcodes(Image.open(out / row["file"]))
        prefix = f"https://t.me/{USERNAME}?start="
        assert decoded.text.startswith(prefix)
        assert verify(decoded.text.removeprefix(prefix), SECRET) == int(row["code"])
    assert (out / "flats-3栋.pdf").exists() and (out / "shared-posters.pdf").exists()

    revoked = linli(database_url, "codes", "revoke", rows[0]["code"])
    assert "Revoked 1 codes" in revoked.output

    # Slips for the owners in person: flat codes only, marked as the owner's.
    owners = tmp_path / "owners"
    result = linli(
        database_url, "qr", "--compound", "幸福里", "--owner-verified", "--out", str(owners)
    )
    assert result.exit_code == 0, result.output
    with (owners / "codes.csv").open(encoding="utf-8-sig") as index:
        assert [row["kind"] for row in csv.DictReader(index)] == ["flat", "flat"]
    assert count(database_url, JoinCode) == 6
    assert count(database_url, JoinCode, JoinCode.owner_verified.is_(True)) == 2


def test_committee_members_are_added_to_a_known_compound(database_url: str, register: Path) -> None:
    missing = linli(database_url, "committee", "add", "--compound", "无此小区", "--user", "42")
    assert missing.exit_code == 2 and "no compound is named" in missing.output
    linli(database_url, "import", "households", str(register), "--compound", "幸福里")
    assert (
        "now on the committee"
        in linli(database_url, "committee", "add", "--compound", "幸福里", "--user", "42").output
    )
    assert (
        "already"
        in linli(database_url, "committee", "add", "--compound", "幸福里", "--user", "42").output
    )
    assert "幸福里\t42" in linli(database_url, "committee", "list").output


def test_bad_settings_stop_with_one_sentence(database_url: str) -> None:
    result = linli(database_url, "db", "current", LINLI_TIMEZONE="Mars/Olympus")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: LINLI_TIMEZONE is not valid: 'Mars/Olympus' is not a known timezone such as "
        "Asia/Shanghai."
    )
    result = linli(database_url, "run", LINLI_BOT_TOKEN="not-a-token")
    assert result.exit_code == 2 and "LINLI_BOT_TOKEN is not valid" in result.output


def test_an_unmigrated_database_says_what_to_run(tmp_path: Path) -> None:
    (tmp_path / "empty.db").touch()  # a database file without tables
    empty = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    result = linli(empty, "run", LINLI_BOT_TOKEN="1:abc")
    assert result.exit_code == 2 and "run `linli db upgrade`" in result.output
    assert linli(empty, "db", "upgrade").exit_code == 0


def test_a_survey_is_created_opened_tallied_and_exported(
    database_url: str, register: Path, tmp_path: Path
) -> None:
    linli(database_url, "import", "households", str(register), "--compound", "幸福里")
    created = linli(
        database_url, "survey", "create", "elevator", "--compound", "幸福里",
        "--building", "3栋", "--unit", "1单元",
    )  # fmt: skip
    assert "Survey #1 created" in created.output
    opened = linli(database_url, "survey", "open", "1", "--days", "7")
    assert "open for 2 flats" in opened.output
    again = linli(database_url, "survey", "open", "1")
    assert again.exit_code == 2 and "已经开始" in again.output

    figures = json.loads(linli(database_url, "tally", "1", "--json").output)
    assert figures["participation"]["eligible_flats"] == 2
    assert figures["participation"]["eligible_area"] == "149.37"
    assert figures["sources"] == {
        "chat": 0, "paper": 0, "proxy": 0, "waiting_review": 0, "conflicts": 0, "rejected": 0,
    }  # fmt: skip
    workbook = tmp_path / "survey.xlsx"
    assert linli(database_url, "export", "1", "--out", str(workbook)).exit_code == 0
    assert workbook.stat().st_size > 0

    printed = linli(database_url, "ballots", "print", "1", "--not-voted", "--out", str(tmp_path))
    assert "2 paper ballots written" in printed.output
    sheets = pdfium.PdfDocument(tmp_path / "ballots-1.pdf")
    links = [
        code.text
        for page in sheets
        for code in zxingcpp.read_barcodes(page.render(scale=2).to_pil())
    ]
    sheets.close()
    assert [verify_sheet(link.split("?start=")[1], SECRET) for link in links] == [
        (1, household_id) for household_id in (1, 2)
    ]


def test_paper_objections_and_consents_are_recorded_and_block_the_vote(
    database_url: str, register: Path
) -> None:
    linli(database_url, "import", "households", str(register), "--compound", "幸福里")
    linli(
        database_url, "survey", "create", "elevator", "--compound", "幸福里",
        "--building", "3栋", "--unit", "1单元",
    )  # fmt: skip
    linli(database_url, "survey", "open", "1")

    def record(flat: str, kind: str) -> Result:
        return linli(database_url, "vote", "record", "1", "--flat", flat, "--kind", kind)

    def blocks() -> dict[str, int]:
        figures = json.loads(linli(database_url, "tally", "1", "--json").output)
        return {"objections": figures["objections"], "missing": figures["missing_consents"]}

    assert "Recorded" in record("3栋/1单元/101", "affected").output
    assert blocks() == {"objections": 0, "missing": 1}
    assert "Recorded" in record("3栋/1单元/101", "consent").output
    assert "Already recorded" in record("3栋/1单元/101", "consent").output
    assert blocks() == {"objections": 0, "missing": 0}
    assert "Recorded" in record("3栋/1单元/102", "objection").output
    assert blocks() == {"objections": 1, "missing": 0}
    listed = linli(database_url, "vote", "inputs", "1").output.splitlines()
    assert [line.split("\t")[1:3] for line in listed] == [
        ["3栋/1单元/101", "affected"],
        ["3栋/1单元/101", "consent"],
        ["3栋/1单元/102", "objection"],
    ]

    outside = record("3栋/2单元/101", "objection")
    assert outside.exit_code == 2 and "there is no flat 3栋/2单元/101" in outside.output
    malformed = record("3栋1单元101", "objection")
    assert malformed.exit_code == 2 and "BUILDING/UNIT/ROOM" in malformed.output


def test_announcements_and_quiet_hours_from_the_command_line(
    database_url: str, register: Path
) -> None:
    linli(database_url, "import", "households", str(register), "--compound", "幸福里")
    shown = linli(database_url, "quiet-hours", "--compound", "幸福里")
    assert "Quiet hours of 幸福里: 21:30-08:00 (the default)." in shown.output
    assert (
        "22:00-07:30."
        in linli(database_url, "quiet-hours", "--compound", "幸福里", "22:00-7:30").output
    )
    bad = linli(database_url, "quiet-hours", "--compound", "幸福里", "nightly")
    assert bad.exit_code == 2 and "such as 21:30-08:00" in bad.output

    now = linli(database_url, "announce", "--compound", "幸福里", "--building", "3栋", "停水")
    assert "Announcement #1 is queued for 0 residents." in now.output
    later = linli(
        database_url, "announce", "--compound", "幸福里", "--at", "2099-01-01 09:00", "停电"
    )
    assert "Announcement #2 will go out at 2099-01-01 09:00" in later.output
    for args, reason in [
        (("--at", "tomorrow"), "such as 2026-12-03 09:00"),
        (("--at", "2020-01-01 09:00"), "has passed"),
        (("--building", "9栋"), "no building is named '9栋'"),
    ]:
        refused = linli(database_url, "announce", "--compound", "幸福里", *args, "通知")
        assert refused.exit_code == 2 and reason in refused.output
    scheduled, sent = linli(
        database_url, "announcements", "list", "--compound", "幸福里"
    ).output.splitlines()
    assert scheduled == "#2\tscheduled\t2099-01-01 09:00\t\t停电"
    assert sent.startswith("#1\tqueued\t") and sent.endswith("\t0/0/0/0\t停水")
    assert "cancelled" in linli(database_url, "announcements", "cancel", "2").output
    again = linli(database_url, "announcements", "cancel", "2")
    assert again.exit_code == 2 and "已经取消" in again.output


def test_the_close_is_moved_and_the_result_printed_from_the_command_line(
    database_url: str, register: Path, tmp_path: Path
) -> None:
    linli(database_url, "import", "households", str(register), "--compound", "幸福里")
    linli(database_url, "survey", "create", "elevator", "--compound", "幸福里")
    opened = linli(database_url, "survey", "open", "1", "--days", "7")
    extended = linli(database_url, "survey", "extend", "1", "--days", "3")
    assert extended.exit_code == 0 and "0 residents who have not finished" in extended.output
    closes = extended.output.split("open until ")[1][:16]
    assert closes > opened.output.split("until ")[1][:16]  # ten days instead of seven
    linli(database_url, "survey", "close", "1")
    refused = linli(database_url, "survey", "extend", "1", "--days", "3")
    assert refused.exit_code == 2 and "/reopen" in refused.output
    reopened = linli(database_url, "survey", "reopen", "1")
    assert reopened.exit_code == 0 and f"open until {closes}" in reopened.output
    linli(database_url, "survey", "close", "1")

    poster = tmp_path / "result.pdf"
    early = linli(database_url, "publish-poster", "1", "--out", str(poster))
    assert early.exit_code == 2 and "尚未公示" in early.output and not poster.exists()

    async def publish() -> None:
        from storage.db import session_factory
        from storage.surveys.queries import numbered_survey, publish_survey

        engine = create_engine(database_url)
        try:
            async with session_factory(engine)() as session, session.begin():
                await publish_survey(session, await numbered_survey(session, 1))
        finally:
            await engine.dispose()

    asyncio.run(publish())
    printed = linli(database_url, "publish-poster", "1", "--out", str(poster))
    assert printed.exit_code == 0 and poster.read_bytes().startswith(b"%PDF")
    too_late = linli(database_url, "survey", "reopen", "1")
    assert too_late.exit_code == 2 and "已经公示" in too_late.output
