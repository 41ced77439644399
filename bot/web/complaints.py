"""The committee's board of complaints: every filed complaint of their compounds, in a column
per state, newest first, as /complaints lists them. The reporter is not shown here (the
chat's /case N names them to the committee); the photos stay in the chat, where /case N shows
them: the pages never call Telegram."""

from __future__ import annotations

from aiohttp import web

from bot.web.signin import visitor
from bot.web.site import render, site_of
from handlers.complaints.texts import category_label, place_label, state_label
from storage.complaints.queries import ComplaintRow, complaint_rows
from storage.refusals import Refusal, Refused
from surveys.complaints.rules import State

SHOWN = 200  # newest complaints on the board; the spreadsheet (/complaints_export) has all


async def _board(request: web.Request) -> web.Response:
    async with site_of(request).sessions() as session:
        who = await visitor(request, session)
        if not who.compounds:
            raise Refused(Refusal.NOT_COMMITTEE)
        rows = (await complaint_rows(session, who.compounds))[:SHOWN]
    columns: dict[State, list[ComplaintRow]] = {s: [] for s in State if s is not State.DRAFT}
    for row in rows:
        columns[row.complaint.state].append(row)
    return render(
        request,
        "complaints.html",
        columns=[(state_label(state), found) for state, found in columns.items()],
        category=category_label,
        place=place_label,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/complaints", _board)
