"""The models aiogram reads Bot API answers with stay built: pydantic caches them weakly, and
rebuilding one costs more CPU than the call itself."""

from __future__ import annotations

import gc
import weakref

from aiogram.methods import GetMe
from aiogram.methods.base import Response
from aiogram.types import User

from bot.app import build_bot
from bot.sandbox import Sandbox


async def test_the_answer_model_of_a_call_outlives_a_garbage_collection(
    sandbox: Sandbox,
) -> None:
    assert sandbox.url is not None
    bot = build_bot("123456:answer-models", sandbox.url)
    try:
        await bot(GetMe())
        model = weakref.ref(Response[User])
        gc.collect()
        assert model() is not None
        assert (await bot(GetMe())).is_bot
    finally:
        await bot.session.close()
