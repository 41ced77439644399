"""aiogram routers: thin translations of chat events into storage and domain calls."""

from typing import Any

from aiogram import Router

from handlers.announcements import deliveries, drafting
from handlers.complaints import committee as complaint_committee
from handlers.complaints import filing as complaints
from handlers.complaints.texts import limit_text
from handlers.drives import committee as drive_committee
from handlers.drives import pledging as drives
from handlers.drives.texts import amount_refused
from handlers.general import common
from handlers.joining import claims, flats, join
from handlers.shared.filters import Sorry
from handlers.shared.texts import refusal_text
from handlers.signin import links as signin
from handlers.surveys import (
    answering,
    ballot_sheets,
    objections,
    paper,
    paper_review,
    proxies,
    results,
)
from handlers.surveys import committee as survey_committee
from handlers.surveys import deadlines as survey_deadlines
from handlers.surveys.texts import rejection_text
from storage.refusals import Refused
from surveys.complaints.rules import OverLimit
from surveys.drives.money import MoneyError
from surveys.voting.flow import AnswerRejected


def build_router() -> Router:
    """Fresh routers each call: a router joins one dispatcher only, and tests run several."""
    root = Router(name="linli")
    root.include_routers(
        common.build_group_router(),
        paper.build_router(),  # before joining: a ballot sheet's QR code is a /start link
        paper_review.build_router(),
        ballot_sheets.build_router(),
        proxies.build_router(),
        join.build_router(),
        claims.build_router(),
        flats.build_router(),
        answering.build_router(),
        objections.build_router(),
        results.build_router(),
        survey_committee.build_router(),
        survey_deadlines.build_router(),
        drafting.build_router(),
        deliveries.build_router(),
        drives.build_router(),
        drive_committee.build_router(),
        complaints.build_router(),
        complaint_committee.build_router(),
        signin.build_router(),
        common.build_router(),
    )
    return root


def explanations() -> dict[type[Exception], Any]:
    """The sentence for each refusal a handler or filter may raise (handlers.shared.middlewares
    .Refusals)."""
    return {
        Refused: lambda refused: refusal_text(refused.reason),
        AnswerRejected: lambda rejected: rejection_text(rejected.reason, rejected.details),
        Sorry: lambda sorry: sorry.text,
        OverLimit: limit_text,
        MoneyError: amount_refused,
    }
