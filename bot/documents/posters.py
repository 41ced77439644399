"""Join-code posters: QR PNGs captioned in Chinese, and printable A4 sheets of them.

Pure rendering: callers create the join codes and pass in what to print."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from itertools import groupby
from pathlib import Path

import qrcode
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_Q

from bot.documents.fonts import PDF_FONT, a4_pdf, cjk_font_path

# Q restores a quarter of the code: stairwell posters get dirty, taped over and torn.
QR_ERROR_CORRECTION = ERROR_CORRECT_Q
# The white margin, in modules, that the QR standard requires for reliable scanning.
QUIET_ZONE = 4
# Pixels a module: a deep link's code (about 53 modules) becomes an ~850 px PNG whose edges
# stay crisp however a chat app or printer rescales it.
PNG_MODULE_PX = 16

DEFAULT_INSTRUCTION = "用手机微信/相机扫码 → 打开 Telegram → 点「开始」"

_SAFE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
MM_PER_PT = 25.4 / 72
_LINE_SPACING = 1.4


@dataclass(frozen=True)
class PosterCode:
    """One join code to print: the deep link and the words around it."""

    url: str
    title: str
    subtitle: str
    filename_stem: str

    def __post_init__(self) -> None:
        if not _SAFE_STEM.fullmatch(self.filename_stem):
            raise ValueError(
                f"filename_stem {self.filename_stem!r} must be ASCII letters, digits, '.', '_' "
                "or '-', starting with a letter or digit"
            )


def qr_png(url: str) -> bytes:
    """The bare QR code of url as a PNG, quiet zone included."""
    return _png(_qr_image(url))


def write_pngs(codes: Sequence[PosterCode], folder: Path | str) -> list[Path]:
    """Write one captioned poster PNG per code into folder; return the paths in order."""
    stems = [code.filename_stem for code in codes]
    if len(set(stems)) != len(stems):
        raise ValueError(f"filename stems must be unique, got {stems}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for code in codes:
        path = folder / f"{code.filename_stem}.png"
        path.write_bytes(_png(_poster_image(code)))
        paths.append(path)
    return paths


@dataclass(frozen=True)
class _Layout:
    columns: int
    rows: int
    heading_pt: float
    # At least 12 pt: elderly residents must read the instruction at arm's length.
    instruction_pt: float
    note_pt: float  # the contact line and the install hint; 12 pt at least, as above
    title_pt: float
    subtitle_pt: float
    padding_mm: float


_GRID = _Layout(
    columns=2,
    rows=3,
    heading_pt=20,
    instruction_pt=14,
    note_pt=12,
    title_pt=14,
    subtitle_pt=10,
    padding_mm=4,
)
_LARGE = _Layout(
    columns=1,
    rows=1,
    heading_pt=28,
    instruction_pt=20,
    note_pt=16,
    title_pt=32,
    subtitle_pt=16,
    padding_mm=8,
)
_PAGE_MARGIN_MM = 12


def write_sheet(
    codes: Sequence[PosterCode],
    path: Path | str,
    heading: str,
    *,
    large: bool = False,
    instruction: str = DEFAULT_INSTRUCTION,
    notes: Sequence[str] = (),
    created: datetime | None = None,
) -> Path:
    """Write an A4 PDF of codes under heading, instruction and notes (the committee's contact,
    how to install Telegram) on every page.

    By default six codes a page, with dashed cut lines between them; large=True prints one
    code a page, for a shared unit, building or compound code posted at the entrance. A fixed
    created date makes the file byte-for-byte reproducible."""
    if not codes:
        raise ValueError("no codes to print")
    layout = _LARGE if large else _GRID
    pdf = a4_pdf(heading, _PAGE_MARGIN_MM, page_breaks=False)
    if created is not None:
        pdf.set_creation_date(created)
    per_page = layout.columns * layout.rows
    for start in range(0, len(codes), per_page):
        _draw_page(pdf, codes[start : start + per_page], layout, heading, instruction, notes)
    path = Path(path)
    pdf.output(str(path))
    return path


@lru_cache(maxsize=1024)  # a code is drawn twice (PNG and sheet); choosing its mask is slow
def _qr(url: str) -> qrcode.QRCode:
    qr = qrcode.QRCode(
        error_correction=QR_ERROR_CORRECTION, border=QUIET_ZONE, box_size=PNG_MODULE_PX
    )
    qr.add_data(url)
    qr.make(fit=True)
    return qr


def _qr_image(url: str) -> Image.Image:
    return _qr(url).make_image().get_image().convert("L")


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")  # optimize=True is 5x slower for 10% smaller files
    return buffer.getvalue()


def _fitted_size(width_at_largest: float, room: float, largest: float) -> float:
    """The font size, at most largest, at which a line is no wider than room."""
    if width_at_largest <= room:
        return largest
    # Text width grows in proportion to the font size, so one measurement is enough.
    return largest * room / width_at_largest


@cache
def _pil_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(cjk_font_path()), size)


def _poster_image(code: PosterCode) -> Image.Image:
    qr = _qr_image(code.url)
    side = qr.width
    room = side - 2 * QUIET_ZONE * PNG_MODULE_PX  # captions align with the code's edges
    lines = [(code.title, side // 12), (code.subtitle, side // 24)]
    fonts = [_fitted_pil_font(text, largest, room) for text, largest in lines]
    heights = [round(font.size * _LINE_SPACING) for font in fonts]
    # The caption starts below the code's own quiet zone, which stays blank.
    canvas = Image.new("L", (side, side + sum(heights) + QUIET_ZONE * PNG_MODULE_PX), 255)
    canvas.paste(qr)
    draw = ImageDraw.Draw(canvas)
    top = side
    for (text, _), font, height in zip(lines, fonts, heights, strict=True):
        draw.text((side / 2, top + height / 2), text, fill=0, font=font, anchor="mm")
        top += height
    return canvas


def _fitted_pil_font(text: str, largest: int, room: int) -> ImageFont.FreeTypeFont:
    size = _fitted_size(_pil_font(largest).getlength(text), room, largest)
    return _pil_font(max(int(size), 1))


def _draw_page(
    pdf: FPDF,
    codes: Sequence[PosterCode],
    layout: _Layout,
    heading: str,
    instruction: str,
    notes: Sequence[str],
) -> None:
    pdf.add_page()
    lines = [(heading, layout.heading_pt), (instruction, layout.instruction_pt)]
    for text, size in [*lines, *((note, layout.note_pt) for note in notes)]:
        pdf.set_font(PDF_FONT, size=size)
        pdf.multi_cell(
            0,
            size * MM_PER_PT * _LINE_SPACING,
            text,
            align=Align.C,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    top = pdf.get_y() + _PAGE_MARGIN_MM / 2
    width = pdf.epw / layout.columns
    height = (pdf.h - pdf.b_margin - top) / layout.rows
    for index, code in enumerate(codes):
        row, column = divmod(index, layout.columns)
        _draw_cell(
            pdf, code, layout, pdf.l_margin + column * width, top + row * height, width, height
        )
    if layout.columns * layout.rows > 1:
        rows = -(-len(codes) // layout.columns)  # a short last page gets no empty rows
        _draw_cut_lines(pdf, layout.columns, rows, top, width, height)


def _draw_cell(
    pdf: FPDF, code: PosterCode, layout: _Layout, x: float, y: float, width: float, height: float
) -> None:
    lines = [(code.title, layout.title_pt), (code.subtitle, layout.subtitle_pt)]
    captions = sum(size * MM_PER_PT * _LINE_SPACING for _, size in lines)
    side = min(width, height - captions) - 2 * layout.padding_mm
    top = y + (height - side - captions) / 2
    matrix = qr_matrix(code.url)
    draw_qr(pdf, matrix, x + (width - side) / 2, top, side)
    # Captions start inside the quiet zone's lower half: it is blank and the gap looks natural.
    pdf.set_xy(x, top + side * (1 - QUIET_ZONE / 2 / len(matrix)))
    room = side * (1 - 2 * QUIET_ZONE / len(matrix))
    for text, largest in lines:
        pdf.set_font(PDF_FONT, size=largest)
        pdf.set_font_size(_fitted_size(pdf.get_string_width(text), room, largest))
        pdf.cell(
            width,
            largest * MM_PER_PT * _LINE_SPACING,
            text,
            align=Align.C,
            new_x=XPos.LEFT,
            new_y=YPos.NEXT,
        )


def qr_matrix(url: str) -> list[list[bool]]:
    """The modules of url's QR code, quiet zone included, for `draw_qr`."""
    return _qr(url).get_matrix()


def draw_qr(pdf: FPDF, matrix: list[list[bool]], x: float, y: float, side: float) -> None:
    """Draw the code as vector rectangles, one per horizontal run of dark modules: sharp at any
    print size, tiny in the file, and twice as fast to write as one combined path."""
    module = side / len(matrix)
    pdf.set_fill_color(0)
    for row, cells in enumerate(matrix):
        for column, length in _dark_runs(cells):
            pdf.rect(x + column * module, y + row * module, length * module, module, style="F")


def _dark_runs(cells: Sequence[bool]) -> Iterator[tuple[int, int]]:
    """(start, length) of each horizontal run of dark modules."""
    column = 0
    for dark, run in groupby(cells):
        length = len(list(run))
        if dark:
            yield column, length
        column += length


def _draw_cut_lines(
    pdf: FPDF, columns: int, rows: int, top: float, width: float, height: float
) -> None:
    pdf.set_draw_color(160)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=2, gap=2)
    left, bottom = pdf.l_margin, top + rows * height
    for column in range(columns + 1):
        pdf.line(left + column * width, top, left + column * width, bottom)
    for row in range(rows + 1):
        pdf.line(left, top + row * height, left + columns * width, top + row * height)
    pdf.set_dash_pattern()
