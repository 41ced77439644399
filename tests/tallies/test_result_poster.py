"""The printed result (公示): its Chinese really renders (each character its own glyph, not the
font's empty box), and its figures are the tally's, threshold by threshold."""

from __future__ import annotations

import itertools
import re
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.documents.out_of_process import out_of_process
from bot.documents.result_poster import result_poster_pdf
from storage.refusals import Refused
from storage.surveys.publication import publication
from storage.surveys.queries import close_survey, definition_of, publish_survey
from storage.surveys.tallies import tally_survey
from tests.tallies.conftest import Flat, flat_answers, make_survey, vote

Sessions = async_sessionmaker[AsyncSession]
SHANGHAI = ZoneInfo("Asia/Shanghai")
FLATS = [
    Flat(f"3栋/2单元/{room}", area)
    for room, area in zip(
        ("101", "102", "201", "202", "301", "302"),
        ("60.50", "70.25", "80.00", "90.00", "65.00", "75.00"),
        strict=True,
    )
]
ANSWERS = {"101": "approve", "102": "approve", "201": "approve", "202": "reject", "301": "approve"}


def _text_and_pages(pdf: bytes) -> tuple[str, list[pdfium.PdfPage], pdfium.PdfDocument]:
    document = pdfium.PdfDocument(pdf)
    pages = list(document)
    text = "".join(page.get_textpage().get_text_range() for page in pages)
    return text, pages, document


def _glyphs(page: pdfium.PdfPage, word: str, scale: float = 4) -> list[Image.Image]:
    """Each character of the first `word` on the page, cropped from the page rendered."""
    image = page.render(scale=scale).to_pil().convert("L")
    textpage = page.get_textpage()
    start = textpage.get_text_range().index(word)
    height = page.get_height()
    crops = []
    for index in range(start, start + len(word)):
        left, bottom, right, top = textpage.get_charbox(index)
        box = (left * scale, (height - top) * scale, right * scale, (height - bottom) * scale)
        crops.append(image.crop(tuple(round(edge) for edge in box)))
    return crops


async def test_the_poster_renders_chinese_and_the_tallys_figures(sessions: Sessions) -> None:
    definition = vote() + "publish_ballots: true\n"
    async with sessions() as session, session.begin():
        survey, ids = await make_survey(session, FLATS, definition, building="3栋", unit="2单元")
        for room, choice in ANSWERS.items():
            await flat_answers(session, survey, ids[f"3栋/2单元/{room}"], {"agree": choice})
        await close_survey(session, survey)
        with pytest.raises(Refused):
            await publication(session, survey)  # no 公示 before the result is published
        await publish_survey(session, survey)
        result = await tally_survey(session, survey)
        published = await publication(session, survey)
    pdf = result_poster_pdf(definition_of(survey.definition), result, published, SHANGHAI)

    text, pages, document = _text_and_pages(pdf)
    try:
        assert pages[0].get_size() == pytest.approx((595.3, 841.9), abs=0.5)  # A4
        assert "业主表决结果公示" in text and "幸福里 3栋 2单元" in text
        # Tofu would draw every character as the same empty box.
        glyphs = _glyphs(pages[0], "业主表决结果公示")
        assert all(glyph.getextrema()[0] < 100 for glyph in glyphs), "a character left blank"
        for first, second in itertools.pairwise(glyphs):
            same_size = first.resize(second.size)
            assert ImageChops.difference(same_size, second).getbbox() is not None
    finally:
        document.close()

    flat_text = re.sub(r"\s+", "", text)  # table cells wrap
    [decision] = result.decisions
    for check in decision.outcome.checks:
        assert str(check.figure) in flat_text and str(check.base) in flat_text
    # By hand: 5 of 6 flats took part with 365.75 of 440.75 m²; 4 approve with 275.75 m².
    for figure in ("365.75", "440.75", "275.75", "5", "6", "4"):
        assert figure in flat_text
    assert "表决结果：通过" in text and decision.outcome.passed
    assert published.objections_until.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") in text
    assert "对结果提出异议" in text
    assert "未参与" in text  # 3栋/2单元/302 did not vote; no name is printed

    # The bot draws it in a process of its own: the flats' answers travel there intact.
    drawn = out_of_process("bot.documents.result_poster", "result_poster_pdf")
    again, _, document = _text_and_pages(
        drawn(definition_of(survey.definition), result, published, zone=SHANGHAI)
    )
    document.close()
    assert again == text
