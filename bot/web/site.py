"""What every page shares: the database and settings, the Jinja2 templates with gettext, the
person's language, security headers, and refusals turned into a page in that language.

The pages are server-rendered HTML that reads fine with JavaScript off; a few lines of script
(static/linli.js) add the live figures and the sign-in from Telegram."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiogram.utils.i18n import I18n
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.documents.fonts import FontMissingError, cjk_font_path
from bot.settings import Settings
from handlers import explanations
from surveys.signin.tokens import form_token, new_nonce

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Site:
    """What the pages need of the running application."""

    sessions: async_sessionmaker[AsyncSession]
    i18n: I18n
    settings: Settings

    @property
    def key(self) -> str:
        assert self.settings.secret_key is not None
        return self.settings.secret_key


SITE = web.AppKey("site", Site)
PREFIX = "/web"  # where the pages are mounted, beside the webhook's /telegram
CSRF_COOKIE = "linli_csrf"  # a random nonce per browser, which form tokens are bound to
VISITOR = web.RequestKey("visitor", Any)  # who is signed in, once known
LANGUAGE = web.RequestKey("language", str)  # the person's language, once known


def site_of(request: web.Request) -> Site:
    return request.app[SITE]


def _templates(app: web.Application, i18n: I18n) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: i18n.gettext(message),
        lambda singular, plural, n: i18n.gettext(singular, plural, n),
        newstyle=True,
    )
    env.globals["root"] = PREFIX


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    """The page, with the CSRF token its forms carry (and the browser's CSRF cookie, the first
    time)."""
    site = site_of(request)
    context.setdefault("language", request.get(LANGUAGE, site.i18n.default_locale))
    context.setdefault("visitor", request.get(VISITOR))
    nonce = request.cookies.get(CSRF_COOKIE) or new_nonce()
    context["csrf"] = form_token(nonce, site.key)
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    if CSRF_COOKIE not in request.cookies:
        response.set_cookie(CSRF_COOKIE, nonce, path=PREFIX, httponly=True, samesite="Lax")
    return response


@web.middleware
async def in_language(request: web.Request, handler: Handler) -> web.StreamResponse:
    """gettext in the language the handler sets (the signed-in person's), else the default;
    a refusal becomes a page saying why, in that language."""
    i18n = site_of(request).i18n
    with i18n.context():
        try:
            return await handler(request)
        except tuple(explanations()) as refused:
            with i18n.use_locale(request.get(LANGUAGE, i18n.default_locale)):
                text = explanations()[type(refused)](refused)
                return render(request, "refused.html", status=403, reason=text)


@web.middleware
async def headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Nothing from elsewhere: no CDN, no framing by another site, no referrer leaving."""
    response = await handler(request)
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        "frame-ancestors 'self' https://web.telegram.org",
    )
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


async def _font(_request: web.Request) -> web.StreamResponse:
    """The Chinese font the posters use, for browsers without one (see linli.css)."""
    try:
        return web.FileResponse(cjk_font_path(), headers={"Cache-Control": "max-age=604800"})
    except FontMissingError:
        raise web.HTTPNotFound() from None


def pages(site: Site, *features: Callable[[web.Application], None]) -> web.Application:
    """The web pages, an application of their own mounted at PREFIX: their middlewares never
    touch the webhook's route. Each feature adds its routes."""
    app = web.Application(middlewares=[headers, in_language])
    app[SITE] = site
    _templates(app, site.i18n)
    app.router.add_get("/static/cjk.otf", _font)
    app.router.add_static("/static", STATIC)
    for add_routes in features:
        add_routes(app)
    return app
