"""aiogram routers: thin translations of chat events into storage and domain calls."""

from aiogram import Router

from handlers import answering, committee, common, join, survey_committee


def build_router() -> Router:
    """Fresh routers each call: a router joins one dispatcher only, and tests run several."""
    root = Router(name="linli")
    root.include_routers(
        join.build_router(),
        committee.build_router(),
        answering.build_router(),
        survey_committee.build_router(),
        common.build_router(),
    )
    return root
