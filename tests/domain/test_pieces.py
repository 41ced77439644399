"""Long texts are sent whole, in pieces cut at line breaks within Telegram's UTF-16 limit."""

from hypothesis import given
from hypothesis import strategies as st

from surveys.text import MESSAGE_LIMIT, pieces, telegram_length


def test_a_text_that_fits_is_one_piece() -> None:
    assert pieces("问题 1\n问题 2") == ["问题 1\n问题 2"]


def test_pieces_are_cut_at_line_breaks_and_keep_every_line() -> None:
    lines = [f"{n}. 选项 {'📢' * 30}" for n in range(1, 181)]  # 3 × 60 options
    text = "\n".join(lines)
    found = pieces(text)
    assert len(found) > 1
    assert all(telegram_length(piece) <= MESSAGE_LIMIT for piece in found)
    assert "\n".join(found).split("\n") == lines


@given(st.lists(st.text(min_size=0, max_size=300), max_size=60), st.integers(20, 200))
def test_nothing_is_lost_and_no_piece_is_too_long(lines: list[str], limit: int) -> None:
    text = "\n".join(line.replace("\n", " ") for line in lines)
    found = pieces(text, limit)
    assert all(telegram_length(piece) <= limit for piece in found)
    assert "".join(found).replace("\n", "") == text.replace("\n", "")
