"""Paper ballot sheets (issue 11): one A4 page per flat, Chinese drawn in real glyphs, and a
QR code that decodes to the flat's signed entry link."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pypdfium2 as pdfium
from PIL import Image, ImageChops

from bot.documents.ballot_sheets import ballot_sheets_pdf
from surveys.joining.tokens import deep_link
from surveys.voting.schema import load_definition
from surveys.voting.sheets import SheetFlat, SheetHeading, sign_sheet, verify_sheet
from tests.posters.test_posters import decode

KEY = "sheet-test-key"
VOTE = load_definition(
    """kind: vote
title: 加装电梯表决
description: 在本单元北侧加装一部电梯，费用按楼层系数分摊。
questions:
  - id: lift
    type: agree
    rule: civil_code_major
    text: 是否同意加装电梯？
  - id: share
    type: single
    text: 费用分摊方式
    options:
      - {id: floor, text: 按楼层系数}
      - {id: equal, text: 平均分摊}
"""
)
FIXED = datetime(2026, 12, 1, 8, 0)


def _flat(label: str, household_id: int) -> SheetFlat:
    token = sign_sheet(7, household_id, KEY)
    return SheetFlat(label, Decimal("81.50"), deep_link("linli_test_bot", token))


def _pages(pdf: bytes) -> list[tuple[Image.Image, str]]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [
            (page.render(scale=2).to_pil().convert("L"), page.get_textpage().get_text_bounded())
            for page in document
        ]
    finally:
        document.close()


def test_one_sheet_per_flat_with_the_vote_in_chinese_and_a_qr_code_of_the_flat() -> None:
    flats = [_flat("9栋 1单元 101室", 41), _flat("9栋 1单元 102室", 42)]
    heading = SheetHeading("和平新村", 7, "2026-12-20 18:00")

    pages = _pages(ballot_sheets_pdf(VOTE, heading, flats, created=FIXED))

    assert len(pages) == 2
    for (image, text), flat, household_id in zip(pages, flats, (41, 42), strict=True):
        for words in (
            f"房屋：{flat.label}",
            "登记面积：81.50 平方米",
            "加装电梯表决",
            "费用按楼层系数分摊",  # the full description
            "是否同意加装电梯？",
            "同意",
            "平均分摊",
            "参与表决面积 ≥ 2/3",  # the rule in words
            "同意面积 ≥ 3/4",
            "投票截止：2026-12-20 18:00",
            "业主签字",
        ):
            assert words in text, words
        (url,) = decode(image)
        assert url == flat.url
        assert verify_sheet(url.split("?start=")[1], KEY) == (7, household_id)


def test_the_chinese_is_drawn_in_glyphs_not_blank_boxes() -> None:
    # Two sheets that differ in one character of the flat: in blank boxes (tofu) or without
    # the font they would render alike.
    heading = SheetHeading("和平新村", 7, None)
    same_link = _flat("三栋", 41).url
    images = [
        _pages(ballot_sheets_pdf(VOTE, heading, [SheetFlat(label, Decimal(80), same_link)]))[0][0]
        for label in ("三栋 一单元 101室", "四栋 一单元 101室")
    ]
    assert images[0].getextrema()[0] < 128, "nothing drawn"
    assert ImageChops.difference(*images).getbbox() is not None


def test_the_same_sheets_are_the_same_file_for_a_fixed_date() -> None:
    heading = SheetHeading("和平新村", 7, None)
    flats = [_flat("9栋 1单元 101室", 41)]
    assert ballot_sheets_pdf(VOTE, heading, flats, FIXED) == ballot_sheets_pdf(
        VOTE, heading, flats, FIXED
    )
