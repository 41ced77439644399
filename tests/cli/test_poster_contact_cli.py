"""The posters carry the committee's contact line and how to install Telegram, set per
compound."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium

from tests.cli.test_cli import GOOD, linli


def page_texts(path: Path) -> list[str]:
    """Each page's text without white space, which line wrapping moves."""
    document = pdfium.PdfDocument(path)
    try:
        return [squeezed(page.get_textpage().get_text_bounded()) for page in document]
    finally:
        document.close()


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_posters_print_the_compounds_contact_and_install_hint(
    database_url: str, tmp_path: Path
) -> None:
    register = tmp_path / "register.csv"
    register.write_text(GOOD, encoding="utf-8")
    linli(database_url, "import", "households", str(register), "--compound", "幸福里")
    default = tmp_path / "default"
    linli(database_url, "qr", "--compound", "幸福里", "--out", str(default))
    for sheet in ("flats-3栋.pdf", "shared-posters.pdf"):
        for text in page_texts(default / sheet):
            assert squeezed("如何安装 Telegram：在手机应用商店搜索「Telegram」") in text
            assert "联系业委会" not in text

    contact = "王主任 138-0000-0000，每周二 9-11 点 居委会"
    shown = linli(database_url, "compound", "set", "--compound", "幸福里", "--contact", contact)
    assert shown.output.splitlines() == [
        f"Contact on the posters: {contact}",
        "How to install Telegram: (the default hint)",
    ]
    hint = "如何安装 Telegram：到居委会找志愿者帮忙，周六上午"
    linli(database_url, "compound", "set", "--compound", "幸福里", "--install-hint", hint)
    out = tmp_path / "set"
    linli(database_url, "qr", "--compound", "幸福里", "--out", str(out))
    for sheet in ("flats-3栋.pdf", "shared-posters.pdf"):
        texts = page_texts(out / sheet)
        assert texts
        for text in texts:
            assert squeezed(f"联系业委会：{contact}") in text and squeezed(hint) in text
            assert "应用商店" not in text

    long = linli(database_url, "compound", "set", "--compound", "幸福里", "--contact", "x" * 201)
    assert long.exit_code == 2 and "--contact is 201 characters long; at most 200" in long.output
    cleared = linli(database_url, "compound", "set", "--compound", "幸福里", "--contact", "")
    assert "Contact on the posters: (none)" in cleared.output
