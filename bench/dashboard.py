"""Benchmark: the committee's web pages of a 5,000-flat elevator vote, served by the real
aiohttp application and fetched over HTTP as a browser would (HTML, not rendered).

A third of the flats have not answered (their ballots unsubmitted), so the door-to-door grid
and the list of flats to visit have work to do. Printed: each page's time, best of --runs,
against the tally alone (`tally_survey`, which every page of a vote starts with); target: each
page under 300 ms.

    python -m bench.dashboard [--flats 5000] [--runs 5] [--database-url sqlite|postgresql|URL]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import ClientSession, web
from aiohttp.test_utils import unused_port
from sqlalchemy import update

from bench.compound import add_database_argument, answered_vote, compound_id, database
from bot.app import build_i18n
from bot.settings import load_settings
from bot.web import web_server
from bot.web.signin import SESSION_COOKIE
from bot.web.site import Site
from storage import migrate
from storage.committee import add_member
from storage.db import create_engine, session_factory
from storage.models import Compound, Resident
from storage.surveys.models import Ballot, Survey
from storage.surveys.tallies import tally_survey
from surveys.signin.tokens import Claim, Purpose, new_nonce, seal

TARGET = 0.300  # seconds per page
SECRET = "bench-secret-key-0123456789"


@dataclass(frozen=True)
class Timing:
    page: str
    seconds: float
    tally: float  # the tally alone, measured in the same run

    @property
    def ratio(self) -> float:
        return self.seconds / self.tally


async def _best(runs: int, work: Callable[[], Awaitable[object]]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        times.append(time.perf_counter() - started)
    return min(times)


async def measure(url: str, flats: int, runs: int) -> list[Timing]:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        survey_id = await answered_vote(engine, flats)
        sessions = session_factory(engine)
        async with sessions() as session, session.begin():
            await session.execute(  # every third flat has not answered
                update(Ballot)
                .where(Ballot.survey_id == survey_id, Ballot.id % 3 == 0)
                .values(submitted_at=None)
            )
            member = Resident(telegram_id=1, full_name="bench")
            session.add(member)
            compound = await session.get_one(Compound, await compound_id(session))
            await add_member(session, compound, 1)
        settings = load_settings(database_url=url, secret_key=SECRET, web_url="http://bench")
        site = Site(sessions, build_i18n("zh_CN"), settings)
        runner = web.AppRunner(web_server(site))
        await runner.setup()
        port = unused_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        cookie = seal(
            Purpose.SESSION, Claim(member.id, new_nonce(), int(time.time()) + 3600), SECRET
        )
        base = f"http://127.0.0.1:{port}/web"
        try:
            async with ClientSession(cookies={SESSION_COOKIE: cookie}) as client:

                async def fetch(path: str) -> None:
                    async with client.get(base + path) as response:
                        assert response.status == 200, (path, response.status)
                        await response.read()

                async def tally() -> None:
                    async with sessions() as session:
                        await tally_survey(session, await session.get_one(Survey, survey_id))

                pages = {
                    "surveys": "/",
                    "vote": f"/surveys/{survey_id}",
                    "figures.json": f"/surveys/{survey_id}/figures.json",
                    "to visit": f"/surveys/{survey_id}/visit",
                }
                baseline = await _best(runs, tally)
                return [
                    Timing(name, await _best(runs, lambda path=path: fetch(path)), baseline)
                    for name, path in pages.items()
                ]
        finally:
            await runner.cleanup()
    finally:
        await engine.dispose()


def report(timings: list[Timing], flats: int) -> str:
    lines = [f"web pages of a {flats}-flat vote (best of runs; target < {TARGET * 1000:.0f} ms)"]
    for t in timings:
        met = "yes" if t.seconds < TARGET else "NO"
        lines.append(
            f"  {t.page:<13} {t.seconds * 1000:7.1f} ms  = {t.ratio:4.2f} × the tally alone "
            f"({t.tally * 1000:.1f} ms)  under target: {met}"
        )
    return "\n".join(lines)


async def main(url: str | None, flats: int, runs: int) -> list[Timing]:
    async with database(url) as found:
        return await measure(found, flats, runs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flats", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    add_database_argument(parser)
    arguments = parser.parse_args()
    timings = asyncio.run(main(arguments.database_url, arguments.flats, arguments.runs))
    print(report(timings, arguments.flats))
