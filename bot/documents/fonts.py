"""The Simplified-Chinese font for posters, shipped inside the mplfonts wheel.

Taking it from a Python package rather than the system means posters render the same on a
developer's laptop, a fresh server and a slim Docker image without any CJK fonts installed."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

FONT_PACKAGE = "mplfonts"
FONT_FILE = Path("fonts", "NotoSansCJKsc-Regular.otf")
PDF_FONT = "NotoSansCJKsc"  # its name inside a PDF (`set_font`)


class FontMissingError(RuntimeError):
    """The package that carries the CJK font is not installed, or no longer ships the file."""


def cjk_font_path() -> Path:
    """Path of Noto Sans CJK SC inside the installed mplfonts package."""
    # find_spec locates the package without importing it: mplfonts' __init__ pulls in matplotlib.
    spec = find_spec(FONT_PACKAGE)
    folders = spec.submodule_search_locations if spec else None
    if not folders:
        raise FontMissingError(
            f"The Chinese font for posters comes from the '{FONT_PACKAGE}' package, which is "
            f"not installed: pip install {FONT_PACKAGE}"
        )
    for folder in folders:
        path = Path(folder, FONT_FILE)
        if path.is_file():
            return path
    raise FontMissingError(
        f"The '{FONT_PACKAGE}' package is installed but has no {FONT_FILE.as_posix()}; "
        f"reinstall it: pip install --force-reinstall {FONT_PACKAGE}"
    )


def a4_pdf(title: str, margin_mm: float, *, page_breaks: bool) -> FPDF:
    """An A4 document with the Chinese font added as PDF_FONT: what every printed sheet
    starts from. fpdf2 is imported here, so that the chart process never loads it."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(margin_mm, margin_mm)
    if page_breaks:
        pdf.set_auto_page_break(True, margin=margin_mm)
    else:
        pdf.set_auto_page_break(False)
    pdf.add_font(PDF_FONT, fname=cjk_font_path())
    pdf.set_title(title)
    return pdf
