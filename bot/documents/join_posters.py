"""From issued join codes to the files a committee prints: a captioned PNG per code, an A4
sheet of flat codes per unit, one large page per shared code, and codes.csv to find a code's
number when it must be revoked."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.documents.posters import PosterCode, write_pngs, write_sheet
from handlers.shared.texts import building_label, room_label, unit_label
from storage.joining.codes import IssuedCode
from storage.models import CodeKind
from surveys.joining.tokens import deep_link, sign

_UNSAFE_IN_FILE_NAMES = re.compile(r"[\s/\\:]+")


def _file_name(prefix: str, place: str) -> str:
    """A sheet's file name that a committee member recognises, e.g. flats-3栋_1单元.pdf."""
    return f"{prefix}-{_UNSAFE_IN_FILE_NAMES.sub('_', place)}.pdf"


def _poster(item: IssuedCode, compound: str, url: str) -> PosterCode:
    code = item.code
    if code.kind is CodeKind.COMPOUND:
        title, subtitle = compound, _("All residents of the compound: scan to join Linli")
    elif code.kind is CodeKind.FLAT:
        assert item.unit is not None and item.room is not None
        title = " ".join(
            (building_label(item.building), unit_label(item.unit), room_label(item.room))
        )
        if code.owner_verified:
            subtitle = _("For the owner of this flat, in person: scan to join Linli")
        else:
            subtitle = _("For this flat only: scan to join Linli")
    else:
        assert item.unit is not None
        title = " ".join((building_label(item.building), unit_label(item.unit)))
        subtitle = _("Residents of this unit: scan to join Linli")
    return PosterCode(
        url=url, title=title, subtitle=subtitle, filename_stem=f"{code.kind}-{code.id}"
    )


def write_posters(
    issued: list[IssuedCode],
    *,
    compound: str,
    bot_username: str,
    secret_key: str,
    out: Path,
    i18n: I18n,
    contact: str | None = None,
    install_hint: str | None = None,
) -> list[Path]:
    """Write every file into `out`: one PNG per code, an A4 sheet of flat codes per building,
    one PDF of large posters for the shared codes, and codes.csv. Return the PDFs. The sheets
    carry the committee's `contact` line, if any, and how to install Telegram: `install_hint`,
    or by default a short hint in the deployment's language."""
    out.mkdir(parents=True, exist_ok=True)
    shared: list[PosterCode] = []
    flats_by_building: dict[str, list[PosterCode]] = defaultdict(list)
    rows = []
    with i18n.context(), i18n.use_locale(i18n.default_locale):
        for item in issued:
            poster = _poster(
                item, compound, deep_link(bot_username, sign(item.code.id, secret_key))
            )
            png = f"png/{poster.filename_stem}.png"
            rows.append((item.code.id, item.code.kind.value, poster.title, png))
            if item.code.kind is CodeKind.FLAT:
                flats_by_building[item.building].append(poster)
            else:
                shared.append(poster)
        instruction = _("Scan with the phone camera → open Telegram → tap Start")
        notes = [
            *([_("Committee contact: {contact}").format(contact=contact)] if contact else []),
            install_hint
            or _(
                "How to install Telegram: search for Telegram in your phone's app store, "
                "install it, sign up with your phone number, then scan the code."
            ),
        ]
        sheets = []
        if shared:
            heading = _("{compound}: join Linli").format(compound=compound)
            sheets.append(
                write_sheet(
                    shared,
                    out / "shared-posters.pdf",
                    heading,
                    large=True,
                    instruction=instruction,
                    notes=notes,
                )
            )
        for building, posters in flats_by_building.items():
            heading = _("{compound} {building}: flat codes").format(
                compound=compound, building=building_label(building)
            )
            path = out / _file_name("flats", building)
            sheets.append(write_sheet(posters, path, heading, instruction=instruction, notes=notes))
        write_pngs(
            [*shared, *(p for group in flats_by_building.values() for p in group)], out / "png"
        )
    with (out / "codes.csv").open("w", newline="", encoding="utf-8-sig") as index:
        writer = csv.writer(index)
        writer.writerow(["code", "kind", "place", "file"])
        writer.writerows(rows)
    return sheets
