"""aiogram routers: thin translations of chat events into storage and domain calls."""

from aiogram import Router

from handlers import (
    announcements,
    answering,
    committee,
    common,
    complaint_committee,
    complaints,
    deliveries,
    drive_committee,
    drives,
    join,
    objections,
    results,
    survey_committee,
)


def build_router() -> Router:
    """Fresh routers each call: a router joins one dispatcher only, and tests run several."""
    root = Router(name="linli")
    root.include_routers(
        common.build_group_router(),
        join.build_router(),
        committee.build_router(),
        # Before answering: a draft announcement takes its author's next text.
        announcements.build_router(),
        deliveries.build_router(),
        answering.build_router(),
        objections.build_router(),
        results.build_router(),
        survey_committee.build_router(),
        drives.build_router(),
        drive_committee.build_router(),
        complaints.build_router(),
        complaint_committee.build_router(),
        common.build_router(),
    )
    return root
