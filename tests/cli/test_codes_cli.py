"""One flat's lost code is replaced without reissuing its unit, and every code can be listed."""

from __future__ import annotations

import csv
from pathlib import Path

import zxingcpp
from PIL import Image

from surveys.joining.tokens import verify
from tests.cli.test_cli import GOOD, SECRET, USERNAME, linli


def codes(database_url: str, *options: str) -> list[list[str]]:
    result = linli(database_url, "codes", "list", "--compound", "幸福里", *options)
    assert result.exit_code == 0, result.output
    return [line.split("\t") for line in result.output.splitlines()]


def test_a_lost_flat_code_is_replaced_and_withdrawn_in_one_step(
    database_url: str, tmp_path: Path
) -> None:
    register = tmp_path / "register.csv"
    register.write_text(GOOD, encoding="utf-8")
    linli(database_url, "import", "households", str(register), "--compound", "幸福里")
    linli(database_url, "qr", "--compound", "幸福里", "--out", str(tmp_path / "all"))
    assert codes(database_url) == [
        ["1", "compound", "幸福里", "used 0", "active"],
        ["2", "unit", "3栋/1单元", "used 0", "active"],
        ["3", "flat", "3栋/1单元/101", "used 0/2", "active"],
        ["4", "flat", "3栋/1单元/102", "used 0/2", "active"],
    ]

    out = tmp_path / "lost"
    result = linli(
        database_url, "qr", "--compound", "幸福里", "--room", "3栋/1单元/101", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Issued 1 codes; 1 printable sheets in {out}/.",
        "Withdrawn codes of 3栋/1单元/101: 3.",
    ]
    with (out / "codes.csv").open(encoding="utf-8-sig") as index:
        [row] = list(csv.DictReader(index))
    [decoded] = zxingcpp.read_barcodes(Image.open(out / row["file"]))
    assert verify(decoded.text.removeprefix(f"https://t.me/{USERNAME}?start="), SECRET) == 5
    assert codes(database_url, "--flat", "3栋/1单元/101") == [
        ["3", "flat", "3栋/1单元/101", "used 0/2", "revoked"],
        ["5", "flat", "3栋/1单元/101", "used 0/2", "active"],
    ]
    assert ["4", "flat", "3栋/1单元/102", "used 0/2", "active"] in codes(database_url)

    owner = linli(
        database_url, "qr", "--compound", "幸福里", "--room", "3栋/1单元/101",
        "--owner-verified", "--out", str(tmp_path / "owner"),
    )  # fmt: skip
    assert "Withdrawn codes of 3栋/1单元/101: none was in force." in owner.output
    assert codes(database_url, "--flat", "3栋/1单元/101")[-1] == [
        "6", "flat, owner in person", "3栋/1单元/101", "used 0/2", "active",
    ]  # fmt: skip

    for options, reason in [
        (("--room", "3栋/1单元/909"), "there is no flat 3栋/1单元/909"),
        (("--room", "3栋/1单元/101", "--building", "3栋"), "leave out --building and --unit"),
    ]:
        refused = linli(database_url, "qr", "--compound", "幸福里", *options)
        assert refused.exit_code == 2 and reason in refused.output
