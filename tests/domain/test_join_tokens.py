import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.joining.tokens import InvalidToken, sign, verify

KEY = "a-test-key-of-enough-length"
PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@given(st.integers(min_value=1, max_value=2**63))
def test_round_trip_fits_a_deep_link(code_id: int) -> None:
    token = sign(code_id, KEY)
    assert PAYLOAD.match(token)
    assert verify(token, KEY) == code_id


def test_small_ids_give_short_tokens() -> None:
    assert len(sign(170, KEY)) == 19


def test_other_key_is_refused() -> None:
    with pytest.raises(InvalidToken):
        verify(sign(5, KEY), "another-key-of-enough-length")


@given(st.integers(min_value=1, max_value=10**6), st.data())
def test_any_tampering_is_refused(code_id: int, data: st.DataObject) -> None:
    token = sign(code_id, KEY)
    position = data.draw(st.integers(min_value=0, max_value=len(token) - 1))
    replacement = data.draw(st.sampled_from("ABCabc019_-").filter(lambda c: c != token[position]))
    tampered = token[:position] + replacement + token[position + 1 :]
    with pytest.raises(InvalidToken):
        verify(tampered, KEY)


@given(st.text(max_size=80))
def test_garbage_never_crashes(text: str) -> None:
    try:
        verify(text, KEY)
    except InvalidToken:
        return
    raise AssertionError(f"garbage {text!r} verified")
