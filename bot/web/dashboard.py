"""The committee's pages: the compound's surveys with their state and turnout; one survey's
figures as bars against each art. 278 threshold, its outcome so far and the door-to-door grid
of flats, kept live by polling its JSON; and the printable list of flats still to visit.

The figures come from `tally_survey`, as /tally's and `linli tally --json`'s do, and the texts
under the bars are /tally's own lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.web.signin import Visitor, visitor
from bot.web.site import render, site_of
from handlers.drives.texts import money
from handlers.surveys.committee import status_label
from handlers.surveys.tally_text import check_line, decision_lines, tally_text
from handlers.surveys.texts import local
from storage.drives.ledger import drive_progress
from storage.drives.queries import drives_of
from storage.surveys.models import Survey, SurveyStatus
from storage.surveys.queries import (
    definition_of,
    open_surveys_of_resident,
    survey_for_committee,
    surveys_of,
    turnout,
)
from storage.surveys.records import Door, doors
from storage.surveys.sources import Sources, ballot_sources
from storage.surveys.tallies import tally_survey
from surveys.voting.questions import AgreeQuestion
from surveys.voting.results import SurveyTally
from surveys.voting.schema import SurveyDefinition


@dataclass(frozen=True)
class Bar:
    """One threshold: how far its figure is of its base, and where the threshold lies."""

    key: str
    share: float  # 0..1
    threshold: float  # 0..1
    met: bool
    text: str


@dataclass(frozen=True)
class DecisionView:
    question_id: str
    heading: str  # /tally's: where the figures stand, and the question
    bars: tuple[Bar, ...]
    notes: tuple[str, ...]  # blocks, and what "more needed" means


def _decisions(
    tally: SurveyTally, definition: SurveyDefinition, language: str, running: bool
) -> list[DecisionView]:
    views = []
    for decision in tally.decisions:
        question = definition.question(decision.question_id)
        assert isinstance(question, AgreeQuestion)
        checks = decision.outcome.checks
        lines = decision_lines(decision, question, language, running)
        bars = tuple(
            Bar(
                key=f"{decision.question_id}:{index}",
                share=min(float(check.figure / check.base), 1.0) if check.base else 0.0,
                threshold=float(check.threshold.fraction),
                met=check.met,
                # /tally's line less its emoji mark: the page marks it with the bar's colour
                # and a sign every font has.
                text=check_line(check, running).removeprefix("✅ ").removeprefix("❌ "),
            )
            for index, check in enumerate(checks)
        )
        views.append(
            DecisionView(decision.question_id, lines[0], bars, tuple(lines[1 + len(checks) :]))
        )
    return views


@dataclass(frozen=True)
class Figures:
    """What the vote's page shows, and its JSON gives for the live update."""

    survey: Survey
    tally: SurveyTally
    text: str  # /tally's text
    decisions: list[DecisionView]
    doors: list[Door]
    sources: Sources  # counted ballots by source, and those held

    def to_json(self) -> dict[str, Any]:
        return {
            "survey": self.survey.id,
            "status": self.survey.status.value,
            "text": self.text,
            "decisions": [
                {
                    "question": view.question_id,
                    "heading": view.heading,
                    "bars": [vars(bar) for bar in view.bars],
                    "notes": list(view.notes),
                }
                for view in self.decisions
            ],
            "answered": [door.place.household_id for door in self.doors if door.answered],
            "pending": [door.place.household_id for door in self.doors if door.consent_pending],
            "objected": [door.place.household_id for door in self.doors if door.objected],
            "tally": {**self.tally.to_json(), "sources": self.sources.to_json()},
        }


async def figures(session: AsyncSession, survey: Survey, language: str) -> Figures:
    definition = definition_of(survey.definition)
    tally = await tally_survey(session, survey)
    running = survey.status is SurveyStatus.OPEN
    return Figures(
        survey,
        tally,
        tally_text(tally, definition, language, running=running),
        _decisions(tally, definition, language, running),
        await doors(session, survey),
        await ballot_sources(session, survey),
    )


Floors = list[tuple[int, list[Door]]]


def grid(flats: Sequence[Door]) -> list[tuple[str, list[tuple[str, Floors]]]]:
    """Buildings → units → floors (top floor first) → flats, in place order."""
    buildings = []
    for building, in_building in groupby(flats, lambda door: door.place.building):
        units = []
        for unit, in_unit in groupby(in_building, lambda door: door.place.unit):
            floors: dict[int, list[Door]] = {}
            for door in in_unit:
                floors.setdefault(door.place.floor, []).append(door)
            units.append((unit, sorted(floors.items(), reverse=True)))
        buildings.append((building, units))
    return buildings


async def _committee_survey(request: web.Request, session: AsyncSession) -> tuple[Visitor, Survey]:
    who = await visitor(request, session)
    survey = await survey_for_committee(session, who.compounds, int(request.match_info["number"]))
    return who, survey


async def _surveys(request: web.Request) -> web.Response:
    async with site_of(request).sessions() as session:
        who = await visitor(request, session)
        listed = [
            (survey, status_label(survey.status), await turnout(session, survey))
            for survey in await surveys_of(session, who.compounds)
        ]
        mine = await open_surveys_of_resident(session, who.resident)
        funded = [
            (drive, await drive_progress(session, drive))
            for drive in await drives_of(session, who.compounds)
        ]
    return render(request, "home.html", surveys=listed, mine=mine, drives=funded, money=money)


async def _survey(request: web.Request) -> web.Response:
    # In a transaction, as /tally's: a closed survey's figures are kept at the first tally.
    async with site_of(request).sessions() as session, session.begin():
        who, survey = await _committee_survey(request, session)
        language = who.language
        shown = await figures(session, survey, language)
    definition = definition_of(survey.definition)
    return render(
        request,
        "vote.html",
        survey=survey,
        title=local(definition.title, language),
        state=status_label(survey.status),
        figures=shown,
        grid=grid(shown.doors),
    )


async def _figures(request: web.Request) -> web.Response:
    # In a transaction, as /tally's: a closed survey's figures are kept at the first tally.
    async with site_of(request).sessions() as session, session.begin():
        who, survey = await _committee_survey(request, session)
        language = who.language
        shown = await figures(session, survey, language)
    return web.json_response(shown.to_json(), headers={"Cache-Control": "no-store"})


async def _visit(request: web.Request) -> web.Response:
    async with site_of(request).sessions() as session:
        who, survey = await _committee_survey(request, session)
        language = who.language
        missing = [door.place for door in await doors(session, survey) if not door.answered]
    title = local(definition_of(survey.definition).title, language)
    return render(request, "visit.html", survey=survey, title=title, missing=missing)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", _surveys)
    app.router.add_get("/surveys/{number:\\d+}", _survey)
    app.router.add_get("/surveys/{number:\\d+}/figures.json", _figures)
    app.router.add_get("/surveys/{number:\\d+}/visit", _visit)
