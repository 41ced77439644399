"""Files in messages: storing uploads and describing them as Telegram's PhotoSize / Document."""

import io
import mimetypes
from pathlib import PurePosixPath

from PIL import Image, UnidentifiedImageError

from bot.sandbox.params import Upload
from bot.sandbox.world import Json, StoredFile, World


def store_upload(world: World, upload: Upload, folder: str) -> StoredFile:
    mime_type, _ = mimetypes.guess_type(upload.filename)
    suffix = PurePosixPath(upload.filename).suffix
    return world.store_file(upload.data, folder, upload.filename, mime_type, suffix)


def photo_sizes(stored: StoredFile) -> list[Json]:
    """The `photo` field of a message: one size, the image as uploaded.

    Raises ValueError if the bytes are not an image, which Telegram refuses too.
    """
    try:
        with Image.open(io.BytesIO(stored.data)) as image:
            width, height = image.size
    except UnidentifiedImageError as error:
        raise ValueError("the file is not an image") from error
    return [
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "width": width,
            "height": height,
        }
    ]


def document_json(stored: StoredFile) -> Json:
    document: Json = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return document
