"""Files both ways: the bot uploads photos and documents, residents send photos."""

import io

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile

from bot.sandbox import Resident, SandboxClient


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
