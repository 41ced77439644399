"""Message text formatting: Telegram's HTML parse mode, turned into plain text plus entities.

Telegram rejects malformed HTML (an unescaped "<" in a resident's name, an unclosed tag) with
"can't parse entities"; mimicking that lets tests catch what would fail in production.
Markdown modes are accepted and left as written.
"""

import re
from typing import Any

from bot.sandbox.errors import ApiError, bad_request

ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED_CHARACTERS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
CHARACTER_REFERENCE = re.compile(r"&(?:#(\d{1,7})|#x([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
ATTRIBUTE = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")


def utf16_len(text: str) -> int:
    """Telegram measures text (offsets, lengths, limits) in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def format_text(text: str, parse_mode: str | None, entities: Any) -> tuple[str, list[Any]]:
    """The text the resident sees and its entities, as Telegram stores a sent text."""
    if parse_mode is None or parse_mode.lower() in ("markdown", "markdownv2"):
        return text, entities or []
    if parse_mode.lower() != "html":
        raise bad_request("unsupported parse_mode")
    return parse_html(text)


def _parse_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    pieces: list[str] = []
    length = 0  # UTF-16 length of the text so far
    open_tags: list[tuple[str, int, dict[str, str]]] = []  # name, start offset, attributes
    entities: list[dict[str, Any]] = []
    pos = 0
    while pos < len(source):
        if source[pos] == "<":
            byte_offset = len(source[:pos].encode())
            end = source.find(">", pos)
            if end < 0:
                raise _parse_error(f"Unclosed start tag at byte offset {byte_offset}")
            tag = source[pos + 1 : end]
            name = _tag_name(tag)
            if tag.startswith("/"):
                if not open_tags:
                    raise _parse_error(f"Unexpected end tag at byte offset {byte_offset}")
                opened, start, attributes = open_tags.pop()
                if name != opened:
                    raise _parse_error(
                        f'Unmatched end tag at byte offset {byte_offset}, expected "</{opened}>", '
                        f'found "</{name}>"'
                    )
                if length > start:
                    entities.append(_entity(opened, start, length - start, attributes))
            else:
                open_tags.append((name, length, _start_tag(name, tag, byte_offset)))
            pos = end + 1
            continue
        text, pos = _text_run(source, pos)
        pieces.append(text)
        length += utf16_len(text)
    if open_tags:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{open_tags[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(pieces), entities


def _tag_name(tag: str) -> str:
    words = tag.removeprefix("/").split(maxsplit=1)
    return words[0].lower() if words else ""


def _start_tag(name: str, tag: str, byte_offset: int) -> dict[str, str]:
    if name not in ENTITY_TYPES:
        raise _parse_error(f'Unsupported start tag "{name}" at byte offset {byte_offset}')
    attributes = {
        m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
        for m in ATTRIBUTE.finditer(tag)
    }
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise _parse_error('Tag "span" must have class "tg-spoiler"')
    return attributes


def _entity(tag: str, offset: int, length: int, attributes: dict[str, str]) -> dict[str, Any]:
    entity: dict[str, Any] = {"type": ENTITY_TYPES[tag], "offset": offset, "length": length}
    if tag == "a":
        entity["url"] = attributes.get("href", "")
    if tag == "tg-emoji":
        entity["custom_emoji_id"] = attributes.get("emoji-id", "")
    return entity


def _text_run(source: str, pos: int) -> tuple[str, int]:
    """The plain text from `pos` to the next tag, with character references decoded."""
    end = source.find("<", pos)
    end = len(source) if end < 0 else end
    return CHARACTER_REFERENCE.sub(_decode_reference, source[pos:end]), end


def _decode_reference(match: re.Match[str]) -> str:
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        return NAMED_CHARACTERS.get(name.lower(), match.group(0))
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    return chr(code) if code < 0x110000 else match.group(0)
