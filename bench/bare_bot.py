"""The benchmarks' baseline bot: aiogram with no database and no-op handlers. It answers a
button press and replies "✓", and replies "✓" to any text.

--polling aiogram: aiogram's own polling (confirms each batch before handling it);
--polling linli: bot.polling, which confirms a batch only after handling it, as Linli does.

    python -m bench.bare_bot --api-url http://127.0.0.1:PORT [--polling aiogram|linli]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message

TOKEN = "123456:bench-token"  # the sandbox serves one bot: every benchmark process uses it
router = Router()


@router.callback_query()
async def pressed(query: CallbackQuery) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer("✓")


@router.message()
async def written(message: Message) -> None:
    await message.answer("✓")


async def serve(api_url: str, polling: str) -> None:
    # The session bot.app.build_bot makes, without importing the app: this bot's start-up
    # is the baseline of Linli's.
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    if polling == "aiogram":
        await dispatcher.start_polling(bot, polling_timeout=25)
        return
    from bot.polling import poll

    try:
        await poll(bot, dispatcher)
    finally:
        await bot.session.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--polling", choices=("aiogram", "linli"), default="aiogram")
    arguments = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(arguments.api_url, arguments.polling))
