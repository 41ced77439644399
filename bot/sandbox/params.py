"""Bot API call parameters, however they came: query string, JSON, urlencoded or multipart.

In forms every value is a string and nested objects (reply_markup, scope...) are JSON text;
in a JSON body they are native. Files arrive as multipart parts, either under the parameter's
own name or under a name that the parameter points to as `attach://<name>` (aiogram's way).
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, MultipartReader

from bot.sandbox.errors import bad_request

ATTACH = "attach://"


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


@dataclass(frozen=True)
class Params:
    values: Mapping[str, Any]
    uploads: Mapping[str, Upload] = field(default_factory=dict)

    def get_str(self, name: str) -> str | None:
        value = self.values.get(name)
        return None if value is None else str(value)

    def get_int(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None:
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str) -> bool:
        value = self.values.get(name, False)
        return value if isinstance(value, bool) else str(value).lower() in ("true", "1")

    def get_json(self, name: str) -> Any:
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def get_file(self, name: str) -> Upload | str | None:
        """An uploaded file, or the string naming one (a file_id or URL)."""
        if name in self.uploads:
            return self.uploads[name]
        value = self.get_str(name)
        if value is not None and value.startswith(ATTACH):
            attached = self.uploads.get(value.removeprefix(ATTACH))
            if attached is None:
                raise bad_request(f"file {value} not found in the request")
            return attached
        return value


async def read_multipart(reader: MultipartReader, base: Mapping[str, Any]) -> Params:
    """Parse a multipart/form-data body on top of `base` values (such as the query string)."""
    values = dict(base)
    uploads: dict[str, Upload] = {}
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue  # nested multiparts and nameless parts carry no Bot API parameter
        if part.filename is None:
            values[part.name] = await part.text()
        else:
            uploads[part.name] = Upload(part.filename, bytes(await part.read()))
    return Params(values, uploads)
