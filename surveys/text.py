"""Text from people and files, made safe to store, send and export; and its length as
Telegram counts it. Pure: standard library only.

`printable` is applied where text enters Linli (the register, survey definitions, the command
line, what residents and the committee type) and once more by the spreadsheet writer, so that
a row stored before cannot break an export: openpyxl refuses control characters, PostgreSQL
refuses NUL, and XML has no way to write either.

Telegram measures texts in UTF-16 code units (an emoji outside the Basic Multilingual Plane
is two): a message holds `MESSAGE_LIMIT`, a caption `CAPTION_LIMIT`. Every length checked
against those limits is `telegram_length`.
"""

from __future__ import annotations

import re

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024

# C0 controls except tab and line feed, DEL and the C1 controls; lone surrogates (a JSON
# "\ud800" escape makes one), which no UTF-8 encoder accepts; U+FFFE and U+FFFF, which XML
# forbids.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """`text` with line breaks as "\\n" and no other control character: CR LF and a lone CR
    become LF, tab stays, the rest is removed."""
    return _UNPRINTABLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def telegram_length(text: str) -> int:
    """The length Telegram checks against its limits: UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def clipped(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """The longest start of `text` within `limit` UTF-16 code units, never half an emoji."""
    if telegram_length(text) <= limit:
        return text
    units = text.encode("utf-16-le", "surrogatepass")[: 2 * limit]
    # A character cut in two leaves a lone high surrogate at the end: drop it.
    return units.decode("utf-16-le", "ignore")


def pieces(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` UTF-16 code units, cut at line breaks (a single
    longer line at the limit): a long tally or list is sent whole, in several messages."""
    if telegram_length(text) <= limit:
        return [text]
    found: list[str] = []
    current = ""
    for line in text.split("\n"):
        while telegram_length(line) > limit:
            head = clipped(line, limit)
            if current:
                found.append(current)
                current = ""
            found.append(head)
            line = line[len(head) :]
        joined = f"{current}\n{line}" if current else line
        if telegram_length(joined) <= limit:
            current = joined
        else:
            found.append(current)
            current = line
    if current or not found:
        found.append(current)
    return found
