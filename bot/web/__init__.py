"""Linli on the web: the committee's live dashboard and the residents' survey pages, served
at /web by the webhook's server, or by `linli web` beside a polling bot."""

from __future__ import annotations

from aiohttp import web

from bot.web import answering, complaints, dashboard, drives, signin
from bot.web.site import PREFIX, Site, pages


def mount(app: web.Application, site: Site) -> None:
    """The pages at PREFIX on `app`."""
    app.add_subapp(
        PREFIX,
        pages(
            site,
            signin.add_routes,
            dashboard.add_routes,
            drives.add_routes,
            complaints.add_routes,
            answering.add_routes,
        ),
    )


def web_server(site: Site) -> web.Application:
    """`linli web`'s server: the pages only."""
    app = web.Application()
    mount(app, site)
    return app
