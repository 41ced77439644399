"""Keeps the models aiogram parses Bot API answers with.

aiogram reads every answer with `Response[method.__returning__]`, a pydantic generic model
built on first use and cached only weakly: once the garbage collector frees it, the next call
builds it again, at about 20 ms of CPU, several times the cost of the call. With the
allocations of a busy bot that happened to one call in four (measured with bench.answers).
Holding each model once built keeps it in pydantic's cache."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType


class KeepAnswerModels(BaseRequestMiddleware):
    def __init__(self) -> None:
        self.kept: dict[type[TelegramMethod[Any]], type[Response[Any]]] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        kind = type(method)
        if kind not in self.kept:
            self.kept[kind] = Response[method.__returning__]  # type: ignore[name-defined]
        return await make_request(bot, method)
