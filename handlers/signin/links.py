"""/web: a one-time link to the web pages, and a button opening them inside Telegram (a Mini
App), for the committee's dashboard on a laptop at a meeting or a long survey on the phone.
The pages check the link (bot.web.signin); who may see what is read from the database there."""

from __future__ import annotations

import time
from dataclasses import dataclass

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, WebAppInfo
from aiogram.utils.i18n import gettext as _

from handlers.shared.filters import Sorry
from handlers.shared.replies import Replies
from storage.models import Resident
from surveys.signin.tokens import Claim, Purpose, new_nonce, seal

PAGES = "/web"  # where the server mounts the pages (bot.web.site.PREFIX)


@dataclass(frozen=True)
class WebSignIn:
    """Where the pages are and how links to them are signed (from the settings)."""

    url: str | None  # LINLI_WEB_URL; None: no web pages
    key: str
    minutes: int


def link_for(web: WebSignIn, resident: Resident, now: float) -> str:
    assert web.url is not None
    claim = Claim(resident.id, new_nonce(), int(now) + web.minutes * 60)
    # In the fragment: the browser never sends it, so no server or proxy logs the credential.
    return f"{web.url.rstrip('/')}{PAGES}/signin#{seal(Purpose.LINK, claim, web.key)}"


async def web_link(message: Message, resident: Resident, web: WebSignIn, replies: Replies) -> None:
    if web.url is None:
        raise Sorry(_("The web pages are not set up yet: the operator sets LINLI_WEB_URL."))
    text = _(
        "Your sign-in link to Linli's pages, for one use within {minutes} minutes. "
        "Do not forward it: it signs in as you.\n{link}"
    ).format(minutes=web.minutes, link=link_for(web, resident, time.time()))
    markup = None
    if web.url.startswith("https://"):  # Telegram opens Mini Apps over HTTPS only
        app = WebAppInfo(url=f"{web.url.rstrip('/')}{PAGES}/app")
        button = InlineKeyboardButton(text=_("Open in Telegram"), web_app=app)
        markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
    replies.say(text, markup)


def build_router() -> Router:
    router = Router(name="signin")
    router.message.register(web_link, Command("web"))
    return router
