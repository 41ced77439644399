"""Signing in to the web pages without a password, and knowing who is signed in.

Two ways in, each a `SignInMethod`: a Telegram Mini App launch (its initData, signed by
Telegram with the bot token) and a one-time link the bot sends (/web). A WeChat OAuth login
(snsapi_base: an openid for a code) would be a third method beside them. Every way is used
once: the link's nonce and the launch's hash are recorded (storage.signin.nonces), so a link
opened twice or a launch replayed is refused. A launch older than LINLI_WEB_LAUNCH_SECONDS is
refused too; aiogram checks the signature, not the age.

The credential travels in the URL's fragment (`/web/signin#<token>`, Telegram's own
`#tgWebAppData=`), which browsers never send: it reaches no server log, proxy or Referer, and a
link preview fetching the page uses nothing. The page's script posts it with the form's CSRF
token; the answer sets the session cookie (signed, HttpOnly, SameSite=Lax) naming the
resident by their row number only. Roles are read from the database at every request."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from aiogram.utils.i18n import gettext as _
from aiogram.utils.web_app import safe_parse_webapp_init_data
from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy.ext.asyncio import AsyncSession

from bot.web.site import CSRF_COOKIE, LANGUAGE, PREFIX, VISITOR, Site, render, site_of
from handlers.shared.filters import Sorry
from storage.committee import compounds_of
from storage.models import Resident
from storage.residents import known_resident
from storage.signin.nonces import use_once
from surveys.signin.tokens import (
    Claim,
    Purpose,
    TokenRejected,
    form_token_matches,
    new_nonce,
    seal,
    unseal,
)

SESSION_COOKIE = "linli_session"


class SignInMethod(Protocol):
    """One way to prove who one is: the resident the posted form proves, or Sorry."""

    async def identify(
        self, session: AsyncSession, site: Site, form: MultiDictProxy[str], now: float
    ) -> Resident: ...


def _at(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


class TelegramLaunch:
    """A Mini App opened from the chat: initData signed with the bot token, recent, unused."""

    async def identify(
        self, session: AsyncSession, site: Site, form: MultiDictProxy[str], now: float
    ) -> Resident:
        assert site.settings.bot_token is not None
        try:
            data = safe_parse_webapp_init_data(site.settings.bot_token, form.get("init_data", ""))
        except ValueError:
            raise Sorry(_("This sign-in from Telegram is not valid.")) from None
        launched = data.auth_date.timestamp()
        max_age = site.settings.web_launch_seconds
        if data.user is None or not -60 < now - launched <= max_age:
            raise Sorry(_("This page was opened too long ago: open it again from the chat."))
        if not await use_once(session, f"tg:{data.hash}", _at(launched + max_age), _at(now)):
            raise Sorry(_("This sign-in was already used: open the page again from the chat."))
        resident = await known_resident(session, data.user.id)
        if resident is None:
            raise Sorry(_("Send /start to the bot first."))
        return resident


class OneTimeLink:
    """A link the bot sent with /web: signed, a few minutes valid, used once."""

    async def identify(
        self, session: AsyncSession, site: Site, form: MultiDictProxy[str], now: float
    ) -> Resident:
        try:
            claim = unseal(Purpose.LINK, form.get("token", ""), site.key, now)
        except TokenRejected as rejected:
            raise Sorry(
                _("This sign-in link has expired: send /web to the bot for a new one.")
                if rejected.expired
                else _("This sign-in link is not valid: send /web to the bot for a new one.")
            ) from None
        if not await use_once(session, f"link:{claim.nonce}", _at(claim.expires_at), _at(now)):
            raise Sorry(
                _("This sign-in link was already used: send /web to the bot for a new one.")
            )
        resident = await session.get(Resident, claim.resident_id)
        if resident is None:
            raise Sorry(_("This sign-in link is not valid: send /web to the bot for a new one."))
        return resident


METHODS: dict[str, SignInMethod] = {"telegram": TelegramLaunch(), "link": OneTimeLink()}


@dataclass(frozen=True)
class Visitor:
    """Who is signed in, as the database has them now."""

    resident: Resident
    compounds: list[int]  # where they are on the committee
    language: str


async def visitor(request: web.Request, session: AsyncSession) -> Visitor:
    """The signed-in person, their language set for the page; else off to sign in."""
    site = site_of(request)
    try:
        claim = unseal(
            Purpose.SESSION, request.cookies.get(SESSION_COOKIE, ""), site.key, time.time()
        )
    except TokenRejected:
        raise web.HTTPSeeOther(f"{PREFIX}/signin") from None
    resident = await session.get(Resident, claim.resident_id)
    if resident is None:
        raise web.HTTPSeeOther(f"{PREFIX}/signin")
    language = request[LANGUAGE] = resident.language or site.i18n.default_locale
    site.i18n.current_locale = language
    who = request[VISITOR] = Visitor(
        resident, await compounds_of(session, resident.telegram_id), language
    )
    return who


def check_form(request: web.Request, form: MultiDictProxy[str]) -> None:
    """Every form carries the token bound to the browser's CSRF cookie."""
    nonce = request.cookies.get(CSRF_COOKIE, "")
    if not form_token_matches(nonce, form.get("csrf", ""), site_of(request).key):
        raise Sorry(_("This form has expired: reload the page and try again."))


async def _entry(request: web.Request) -> web.Response:
    return render(request, "signin.html")


def see_other(location: str) -> web.Response:
    """After a form: the browser goes on to `location` with a GET."""
    return web.Response(status=303, headers={"Location": location})


async def _sign_in(request: web.Request) -> web.Response:
    site = site_of(request)
    method = METHODS.get(request.match_info["method"])
    if method is None:
        raise web.HTTPNotFound()
    form = await request.post()
    check_form(request, form)
    now = time.time()
    async with site.sessions() as session, session.begin():
        resident = await method.identify(session, site, form, now)
    expires = int(now) + site.settings.web_session_hours * 3600
    cookie = seal(Purpose.SESSION, Claim(resident.id, new_nonce(), expires), site.key)
    response = see_other(f"{PREFIX}/")
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=site.settings.web_session_hours * 3600,
        path=PREFIX,
        httponly=True,
        samesite="Lax",
        secure=request.secure or (site.settings.web_url or "").startswith("https:"),
    )
    return response


async def _sign_out(request: web.Request) -> web.Response:
    check_form(request, await request.post())
    response = see_other(f"{PREFIX}/signin")
    response.del_cookie(SESSION_COOKIE, path=PREFIX)
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/signin", _entry)
    app.router.add_get("/app", _entry)  # the Mini App's address: the same page, from Telegram
    app.router.add_post("/signin/{method}", _sign_in)
    app.router.add_post("/signout", _sign_out)
