"""The committee's page of a contribution drive: the progress of pledges and payments against
the residents' share, building by building, and the money pledged and not fully received
(as /unpaid lists it), from the same ledger as /ledger's spreadsheet."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.web.signin import visitor
from bot.web.site import render, site_of
from handlers.drives.texts import money, progress_text
from storage.drives.ledger import LedgerRow, drive_progress, ledger_rows
from storage.drives.models import PledgeKind
from storage.drives.queries import drive_for_committee


@dataclass
class BuildingProgress:
    building: str
    flats: int = 0
    pledged_flats: int = 0
    share_fen: int = 0
    pledged_fen: int = 0  # money
    paid_fen: int = 0

    @property
    def pledged_share(self) -> float:
        return min(self.pledged_fen / self.share_fen, 1.0) if self.share_fen else 0.0

    @property
    def paid_share(self) -> float:
        return min(self.paid_fen / self.share_fen, 1.0) if self.share_fen else 0.0


def by_building(rows: list[LedgerRow]) -> list[BuildingProgress]:
    buildings: dict[str, BuildingProgress] = {}
    for row in rows:
        found = buildings.setdefault(row.building, BuildingProgress(row.building))
        found.flats += 1
        found.share_fen += row.share_fen
        found.paid_fen += row.paid_fen
        if row.pledge is not None:
            found.pledged_flats += 1
            if row.pledge.kind is PledgeKind.MONEY:
                found.pledged_fen += row.pledge.amount_fen
    return list(buildings.values())


async def _drive(request: web.Request) -> web.Response:
    async with site_of(request).sessions() as session:
        who = await visitor(request, session)
        drive = await drive_for_committee(session, who.compounds, int(request.match_info["number"]))
        progress = await drive_progress(session, drive)
        rows = await ledger_rows(session, drive)
    return render(
        request,
        "drive.html",
        drive=drive,
        progress=progress_text(progress).splitlines(),
        pledged=min(progress.pledged_fen / progress.target_fen, 1.0) if progress.target_fen else 0,
        paid=min(progress.paid_fen / progress.target_fen, 1.0) if progress.target_fen else 0,
        buildings=by_building(rows),
        unpaid=[row for row in rows if row.outstanding_fen],
        money=money,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/drives/{number:\\d+}", _drive)
