"""What a handler says back, recorded rather than sent: record first, speak after.

A handler adds its replies to the update's `Replies`; the transaction middleware writes them
to the outbox in the update's own transaction, so the effect and what the person is told
commit together, and sends them right after the commit (handlers.shared.middlewares). The
answer to a button press is sent first after the commit; it cannot be retried (Telegram
forgets a press within seconds), so its failure is ignored."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, Update

from storage.outbox.queue import DOCUMENT, EDIT, PHOTO, Outgoing
from surveys.text import pieces


def _json(markup: InlineKeyboardMarkup | None) -> dict[str, object] | None:
    return None if markup is None else markup.model_dump(mode="json", exclude_none=True)


def pressed_text(query: CallbackQuery) -> str | None:
    """The text of the message whose button was pressed, to edit its buttons only."""
    return query.message.text if isinstance(query.message, Message) else None


@dataclass
class CallbackAnswer:
    text: str | None = None
    show_alert: bool = False


@dataclass
class Replies:
    """The replies of one update to the person who sent it (`chat_id`). `pressed` is the
    message whose button was pressed, `query_id` the press to answer."""

    chat_id: int | None
    pressed: int | None = None
    query_id: str | None = None
    locale: str | None = None  # the reader's language, once known (for the error path)
    refused: bool = False  # the effect is to be rolled back; only the replies are kept
    end_flow: bool = False  # and the conversation state cleared: the flow cannot go on
    answer: CallbackAnswer = field(default_factory=CallbackAnswer)
    messages: list[Outgoing] = field(default_factory=list)

    @classmethod
    def of(cls, update: Update) -> Replies:
        query = update.callback_query
        if query is not None:
            pressed = query.message.message_id if query.message is not None else None
            return cls(query.from_user.id, pressed=pressed, query_id=query.id)
        if update.message is not None:  # said where it was written: a group's chat, or theirs
            return cls(update.message.chat.id)
        user = getattr(update.event, "from_user", None)
        return cls(None if user is None else user.id)

    def _add(self, message: Outgoing) -> None:
        if self.chat_id is not None:
            self.messages.append(message)

    def say(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """A new message to the person; a text longer than Telegram takes goes as several,
        cut at line breaks, the buttons under the last."""
        if self.chat_id is None:
            return
        *first, last = pieces(text)
        for piece in first:
            self._add(Outgoing(self.chat_id, piece))
        self._add(Outgoing(self.chat_id, last, _json(markup)))

    def edit(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Turn the message whose button was pressed into `text` (new messages otherwise, or
        when it does not fit in one)."""
        if self.chat_id is None:
            return
        if self.pressed is None or len(pieces(text)) > 1:
            self.say(text, markup)
            return
        self._add(
            Outgoing(self.chat_id, text, _json(markup), method=EDIT, target_message_id=self.pressed)
        )

    def document(self, data: bytes, name: str, caption: str = "") -> None:
        if self.chat_id is not None:
            self._add(
                Outgoing(self.chat_id, caption, method=DOCUMENT, file_name=name, file_data=data)
            )

    def photo(self, photo: str | bytes, caption: str = "", name: str = "image.png") -> None:
        """A photo by Telegram file id, or PNG bytes (a chart)."""
        if self.chat_id is None:
            return
        if isinstance(photo, bytes):
            self._add(
                Outgoing(self.chat_id, caption, method=PHOTO, file_name=name, file_data=photo)
            )
        else:
            self._add(Outgoing(self.chat_id, caption, method=PHOTO, file_id=photo))

    def alert(self, text: str, *, show_alert: bool = True) -> None:
        """The answer to the press: a pop-up (or a brief toast without show_alert). Outside
        a press it is said as a message."""
        if self.query_id is None:
            self.say(text)
        else:
            self.answer = CallbackAnswer(text, show_alert)

    def refuse(self, text: str, *, end_flow: bool = False) -> None:
        """Say why the action was refused; whatever the handler changed is rolled back.
        `end_flow`: the person's multi-step chat cannot go on (the survey closed, say)."""
        self.refused, self.end_flow = True, end_flow
        self.messages.clear()
        self.alert(text)
