"""Announcements and quiet hours."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import Failure, friendly, in_transaction, main, run, settings
from bot.cli_types import NUMBER, TEXT


@main.command("announce")
@click.argument("text", type=TEXT)
@click.option("--compound", required=True, help="Compound name as imported.")
@click.option("--building", help="Only this building (default: the whole compound).")
@click.option("--unit", help="Only this unit of --building.")
@click.option("--at", "at", help='When, in LINLI_TIMEZONE: "YYYY-MM-DD HH:MM" (default: now).')
@friendly
def announce(
    text: str, compound: str, building: str | None, unit: str | None, at: str | None
) -> None:
    """Send TEXT to the residents of the compound, a building or a unit, now or --at a time
    (quiet hours still apply). /deliveries in the chat shows how far it got."""
    from bot.app import build_i18n
    from handlers.announcements.drafting import queue_announcement
    from storage.announcements.drafts import create_announcement
    from storage.committee import compound_named
    from storage.models import utcnow
    from storage.schedule_models import Announcement
    from storage.surveys.queries import scope_named
    from surveys.notice_times import parse_local_time

    config = settings()
    now = utcnow()
    try:
        send_at = now if at is None else parse_local_time(at, config.tz)
    except ValueError as error:
        raise Failure(f"--at {at}: {error}.") from None
    if send_at < now:
        raise Failure(f"--at: {at} has passed.")

    async def create(session: AsyncSession) -> tuple[Announcement, int | None]:
        place = await compound_named(session, compound)
        scope = await scope_named(session, place.id, building, unit)
        try:
            made = await create_announcement(session, place.id, scope, text, send_at)
        except ValueError as error:
            raise Failure(f"Nothing was sent: {error}.") from None
        if send_at > now:
            return made, None
        i18n = build_i18n(config.default_language)
        return made, await queue_announcement(session, made, i18n, config.tz, now)

    made, queued = run(in_transaction(config, create))
    if queued is None:
        click.echo(
            f"Announcement #{made.id} will go out at {at}; "
            f"`linli announcements cancel {made.id}` cancels it."
        )
    else:
        click.echo(f"Announcement #{made.id} is queued for {queued} residents.")


@main.group()
def announcements() -> None:
    """Announcements sent or scheduled, from the chat or `linli announce`."""


@announcements.command("list")
@click.option("--compound", required=True)
@friendly
def announcements_list(compound: str) -> None:
    """The latest announcements with their delivery: sent/waiting/unreachable/failed."""
    from storage.announcements.drafts import recent_announcements
    from storage.committee import compound_named
    from storage.outbox.queue import delivery

    config = settings()

    async def listing(session: AsyncSession) -> list[str]:
        place = await compound_named(session, compound)
        lines = []
        for each in await recent_announcements(session, [place.id], limit=50):
            assert each.send_at is not None and each.text is not None
            counts = ""
            if each.broadcast_id is not None:
                got = await delivery(session, each.broadcast_id)
                counts = f"{got.sent}/{got.waiting}/{got.unreachable}/{got.failed}"
            when = f"{each.send_at.astimezone(config.tz):%Y-%m-%d %H:%M}"
            lines.append(f"#{each.id}\t{each.status.value}\t{when}\t{counts}\t{each.text[:40]}")
        return lines

    for line in run(in_transaction(config, listing)):
        click.echo(line)


@announcements.command("cancel")
@click.argument("number", type=NUMBER)
@friendly
def announcements_cancel(number: int) -> None:
    """Cancel announcement NUMBER: what has not gone out yet stays unsent."""
    from storage.announcements.drafts import cancel_announcement
    from storage.schedule_models import Announcement, AnnouncementStatus

    async def cancel(session: AsyncSession) -> int:
        found = await session.get(Announcement, number)
        if found is None or found.status is AnnouncementStatus.DRAFT:
            raise LookupError(f"there is no announcement #{number}")
        return await cancel_announcement(session, found)

    withdrawn = run(in_transaction(settings(), cancel))
    click.echo(f"Announcement #{number} is cancelled; {withdrawn} queued messages withdrawn.")


@main.command("quiet-hours")
@click.option("--compound", required=True)
@click.argument("span", required=False)
@friendly
def quiet_hours(compound: str, span: str | None) -> None:
    """Show or set the compound's quiet hours, in LINLI_TIMEZONE: SPAN is like 22:00-07:30,
    "off", or "default" (21:30-08:00). Notices due in them wait for their end."""
    from storage.committee import compound_named
    from surveys.notice_times import DEFAULT_QUIET_HOURS, parse_quiet_hours

    if span is not None and span != "default":
        try:
            span = str(parse_quiet_hours(span))
        except ValueError as error:
            raise Failure(f"{span}: {error}.") from None

    async def apply(session: AsyncSession) -> str | None:
        place = await compound_named(session, compound)
        if span is not None:
            place.quiet_hours = None if span == "default" else span
        return place.quiet_hours

    stored = run(in_transaction(settings(), apply))
    click.echo(f"Quiet hours of {compound}: {stored or f'{DEFAULT_QUIET_HOURS} (the default)'}.")
