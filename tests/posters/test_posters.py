"""Posters must scan back to exactly their deep links, as PNGs and on the printed PDF, and show
their Chinese captions with the embedded font."""

from __future__ import annotations

import io
import logging
import string
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image, ImageChops

from bot.documents import fonts
from bot.documents.fonts import FontMissingError, cjk_font_path
from bot.documents.posters import (
    DEFAULT_INSTRUCTION,
    PNG_MODULE_PX,
    PosterCode,
    qr_png,
    write_pngs,
    write_sheet,
)

# The 64 characters a Telegram start payload may use, and its maximum length.
PAYLOAD_ALPHABET = string.ascii_letters + string.digits + "_-"
BOT_LINK = "https://t.me/linli_bot?start="
LONGEST_URL = BOT_LINK + PAYLOAD_ALPHABET
HEADING = "幸福里小区 3栋2单元 住户加入码"
CREATED = datetime(2025, 3, 1, tzinfo=UTC)


def flat_codes(count: int) -> list[PosterCode]:
    """Distinct flats, each with a maximum-length payload (a rotation of the alphabet)."""
    return [
        PosterCode(
            url=BOT_LINK + PAYLOAD_ALPHABET[i:] + PAYLOAD_ALPHABET[:i],
            title=f"3栋 2单元 {i // 2 + 1}0{i % 2 + 1}室",
            subtitle="扫码加入「邻里」，参与小区改造决策",
            filename_stem=f"b3-u2-{i // 2 + 1}0{i % 2 + 1}",
        )
        for i in range(count)
    ]


def decode(image: Image.Image) -> list[str]:
    return [
        code.text for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    ]


def pdf_pages(path: Path) -> list[tuple[set[str], str]]:
    """(decoded urls, extracted text) of each page, rasterised at 144 dpi."""
    document = pdfium.PdfDocument(path)
    try:
        return [
            (set(decode(page.render(scale=2).to_pil())), page.get_textpage().get_text_bounded())
            for page in document
        ]
    finally:
        document.close()


@pytest.mark.parametrize("url", [BOT_LINK + "fAbC", LONGEST_URL])
def test_qr_png_decodes_to_the_url_with_a_quiet_zone(url: str) -> None:
    image = Image.open(io.BytesIO(qr_png(url))).convert("L")

    assert decode(image) == [url]
    margin = 4 * PNG_MODULE_PX  # the quiet zone the QR standard asks for
    inner = image.crop((margin, margin, image.width - margin, image.height - margin))
    assert image.getextrema() == (0, 255)
    assert image.histogram()[0] == inner.histogram()[0], "dark pixels in the quiet zone"


def test_poster_pngs_decode_to_their_urls(tmp_path: Path) -> None:
    codes = [
        *flat_codes(2),
        PosterCode(BOT_LINK + "uXyZ", "3栋 2单元 — 本单元住户扫码", "", "b3-u2"),
    ]

    paths = write_pngs(codes, tmp_path / "posters")

    assert paths == [tmp_path / "posters" / f"{code.filename_stem}.png" for code in codes]
    for path, code in zip(paths, codes, strict=True):
        assert decode(Image.open(path)) == [code.url]


def test_poster_caption_is_drawn_in_chinese_glyphs(tmp_path: Path) -> None:
    # Without CJK glyphs both titles would render as the same row of blank boxes.
    codes = [
        PosterCode(LONGEST_URL, title, "扫码加入", stem)
        for title, stem in (("三栋", "a"), ("四栋", "b"))
    ]
    first, second = (Image.open(path) for path in write_pngs(codes, tmp_path))
    qr_side = Image.open(io.BytesIO(qr_png(LONGEST_URL))).height
    captions = [image.crop((0, qr_side, image.width, image.height)) for image in (first, second)]

    assert first.height > qr_side
    assert captions[0].getextrema()[0] < 128, "no caption under the code"
    assert ImageChops.difference(*captions).getbbox() is not None


def test_write_pngs_refuses_duplicate_file_names(tmp_path: Path) -> None:
    code = flat_codes(1)[0]
    with pytest.raises(ValueError, match="unique"):
        write_pngs([code, code], tmp_path)


@pytest.mark.parametrize("stem", ["", "../b3", ".hidden", "b3 u2", "3栋", "b3/u2"])
def test_poster_code_refuses_unsafe_file_names(stem: str) -> None:
    with pytest.raises(ValueError, match="filename_stem"):
        PosterCode(LONGEST_URL, "3栋", "", stem)


@pytest.fixture(scope="module")
def grid_sheet(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[PosterCode], Path]:
    codes = flat_codes(7)
    path = tmp_path_factory.mktemp("sheet") / "b3-u2.pdf"
    return codes, write_sheet(codes, path, HEADING, created=CREATED)


def test_grid_sheet_prints_six_codes_a_page_that_decode(
    grid_sheet: tuple[list[PosterCode], Path],
) -> None:
    codes, path = grid_sheet

    pages = pdf_pages(path)

    assert [urls for urls, _ in pages] == [
        {code.url for code in codes[:6]},
        {code.url for code in codes[6:]},
    ]
    for page, (_, text) in enumerate(pages):
        assert HEADING in text
        assert DEFAULT_INSTRUCTION in text
        for code in codes[page * 6 : page * 6 + 6]:
            assert code.title in text


def test_grid_sheet_embeds_a_subset_of_the_cjk_font(
    grid_sheet: tuple[list[PosterCode], Path],
) -> None:
    data = grid_sheet[1].read_bytes()

    assert b"+NotoSansCJKSC" in data  # the subset tag prefixes the embedded font's name
    assert b"/FontFile" in data
    assert len(data) < cjk_font_path().stat().st_size // 50


def test_large_sheet_prints_one_code_a_page(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    codes = [
        PosterCode(BOT_LINK + "uXyZ", "3栋 2单元 — 本单元住户扫码", "Scan to join Linli", "b3-u2"),
        PosterCode(LONGEST_URL, "幸福里小区 — 全体住户扫码", "扫码加入「邻里」", "compound"),
    ]

    with caplog.at_level(logging.WARNING):
        path = write_sheet(codes, tmp_path / "shared.pdf", HEADING, large=True)

    assert [urls for urls, _ in pdf_pages(path)] == [{codes[0].url}, {codes[1].url}]
    assert not caplog.records, "fpdf2 reported missing glyphs or other trouble"


def test_sheet_is_reproducible_for_a_fixed_date(
    grid_sheet: tuple[list[PosterCode], Path], tmp_path: Path
) -> None:
    codes, first = grid_sheet

    second = write_sheet(codes, tmp_path / "again.pdf", HEADING, created=CREATED)

    assert first.read_bytes() == second.read_bytes()


def test_sheet_needs_codes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no codes"):
        write_sheet([], tmp_path / "empty.pdf", HEADING)
    assert not (tmp_path / "empty.pdf").exists()


def test_cjk_font_comes_from_mplfonts() -> None:
    path = cjk_font_path()

    assert path.is_file()
    assert "mplfonts" in path.parts


def test_missing_font_package_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "find_spec", lambda name: None)

    with pytest.raises(FontMissingError, match="pip install mplfonts"):
        cjk_font_path()


def test_font_file_missing_from_the_package_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "FONT_FILE", Path("fonts", "NoSuchFont.otf"))

    with pytest.raises(FontMissingError, match="reinstall"):
        cjk_font_path()
