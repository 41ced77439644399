"""Files both ways: the bot uploads photos and documents; residents send photos, voice
messages, stickers, documents and locations, shaped as Telegram sends them."""

import io
from collections.abc import Awaitable, Callable

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile

from bot.sandbox import Resident, SandboxClient, SandboxError


async def test_photo_upload_round_trip(
    bot: Bot, client: SandboxClient, zhang: Resident, photo: bytes
) -> None:
    sent = await bot.send_photo(
        zhang.id, BufferedInputFile(photo, "qr.png"), caption="扫码<b>投票</b>", parse_mode="HTML"
    )
    assert sent.photo and (sent.photo[-1].width, sent.photo[-1].height) == (4, 3)
    assert sent.caption == "扫码投票" and sent.caption_entities
    file_id = sent.photo[-1].file_id

    seen = await zhang.next_message()
    assert seen["photo"]["file_id"] == file_id
    assert (seen["photo"]["file_name"], seen["photo"]["mime_type"]) == ("qr.png", "image/png")
    assert await client.file(file_id) == photo

    downloaded = io.BytesIO()
    await bot.download(file_id, destination=downloaded)
    assert downloaded.getvalue() == photo

    again = await bot.send_photo(zhang.id, file_id)  # re-sending by file_id
    assert again.photo and again.photo[-1].file_unique_id == sent.photo[-1].file_unique_id


async def test_document_upload_round_trip(bot: Bot, client: SandboxClient, zhang: Resident) -> None:
    data = b"building,votes\n3,42\n"
    sent = await bot.send_document(zhang.id, BufferedInputFile(data, "结果.csv"))
    assert sent.document and sent.document.file_name == "结果.csv"
    assert sent.document.mime_type == "text/csv" and sent.document.file_size == len(data)

    file = await bot.get_file(sent.document.file_id)
    assert file.file_path and file.file_path.endswith(".csv")
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == data

    seen = await zhang.next_message()
    assert seen["document"]["file_name"] == "结果.csv"
    assert await client.file(seen["document"]["file_id"]) == data


async def test_bad_files_are_refused(bot: Bot, zhang: Resident) -> None:
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(zhang.id, BufferedInputFile(b"not an image", "x.jpg"))
    with pytest.raises(TelegramBadRequest, match="wrong file identifier/HTTP URL specified"):
        await bot.send_document(zhang.id, "no-such-file-id")
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(zhang.id, BufferedInputFile(b"x", "x.txt"), caption="长" * 1025)
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("no-such-file-id")
    assert await zhang.messages() == []


async def test_resident_photo_reaches_the_bot(bot: Bot, zhang: Resident, photo: bytes) -> None:
    update_id = await zhang.send_photo(photo, caption="楼道照片")
    [*_, update] = await bot.get_updates()
    assert update.update_id == update_id and update.message and update.message.photo
    assert update.message.caption == "楼道照片"
    downloaded = await bot.download(update.message.photo[-1].file_id)
    assert downloaded is not None and downloaded.read() == photo


async def test_resident_voice_reaches_the_bot_as_telegram_shapes_it(
    bot: Bot, zhang: Resident
) -> None:
    update_id = await zhang.send_voice(b"OggS recorded speech", duration=7)
    [*_, update] = await bot.get_updates()
    assert update.update_id == update_id and update.message and update.message.voice
    voice = update.message.voice
    assert (voice.duration, voice.mime_type, voice.file_size) == (7, "audio/ogg", 20)
    downloaded = await bot.download(voice.file_id)
    assert downloaded is not None and downloaded.read() == b"OggS recorded speech"
    assert update.message.text is None


async def test_resident_sticker_reaches_the_bot(bot: Bot, zhang: Resident) -> None:
    update_id = await zhang.send_sticker("🙏")
    [*_, update] = await bot.get_updates()
    assert update.update_id == update_id and update.message and update.message.sticker
    sticker = update.message.sticker
    assert (sticker.emoji, sticker.type, sticker.is_animated) == ("🙏", "regular", False)


async def test_resident_document_reaches_the_bot_with_its_name(bot: Bot, zhang: Resident) -> None:
    update_id = await zhang.send_document(b"%PDF-1.4 notice", "通知.pdf", caption="看看")
    [*_, update] = await bot.get_updates()
    assert update.update_id == update_id and update.message and update.message.document
    document = update.message.document
    assert (document.file_name, document.mime_type) == ("通知.pdf", "application/pdf")
    assert update.message.caption == "看看"
    downloaded = await bot.download(document.file_id)
    assert downloaded is not None and downloaded.read() == b"%PDF-1.4 notice"


async def test_resident_location_reaches_the_bot(bot: Bot, zhang: Resident) -> None:
    update_id = await zhang.send_location(31.2304, 121.4737)
    [*_, update] = await bot.get_updates()
    assert update.update_id == update_id and update.message and update.message.location
    assert (update.message.location.latitude, update.message.location.longitude) == (
        31.2304,
        121.4737,
    )


@pytest.mark.parametrize(
    ("send", "reason"),
    [
        (lambda r: r.send_voice(b"", 3), "needs data"),
        (lambda r: r.send_voice(b"x", 0), "duration of 1 to 3600"),
        (lambda r: r.send_sticker(""), "needs its emoji"),
        (lambda r: r.send_document(b"x", " "), "needs data and a file_name"),
        (lambda r: r.send_location(91, 0), "latitude must be within"),
    ],
)
async def test_malformed_media_is_refused(
    zhang: Resident, send: Callable[[Resident], Awaitable[int]], reason: str
) -> None:
    with pytest.raises(SandboxError, match=reason) as refused:
        await send(zhang)
    assert refused.value.status == 400
