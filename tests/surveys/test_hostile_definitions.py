"""Survey definitions written to hurt: nesting past Python's recursion limit, alias bombs,
huge files, and control characters hidden in escapes. Each is one clear SchemaError, or text
made printable."""

from __future__ import annotations

import pytest

from surveys.voting.schema import SchemaError, load_definition

OPTIONS = "[{id: a, text: 甲}, {id: b, text: 乙}]"
QUESTION = f"questions:\n  - {{id: q1, type: single, text: 选哪个？, options: {OPTIONS}}}\n"


def refusal(text: str) -> str:
    with pytest.raises(SchemaError) as caught:
        load_definition(text)
    return str(caught.value)


def test_deep_nesting_is_refused_without_a_recursion_error() -> None:
    deep = "[" * 20_000 + "]" * 20_000
    assert "nested deeper than" in refusal(f"kind: opinion\ntitle: {deep}\n{QUESTION}")
    assert "nested deeper than" in refusal("{a: " * 20_000 + "1" + "}" * 20_000)


def test_an_alias_bomb_is_refused_before_it_is_walked() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    assert "too many values" in refusal("\n".join(lines) + "\n")


def test_a_huge_file_is_refused() -> None:
    assert "longer than" in refusal(
        f"kind: opinion\ntitle: 标题\ndescription: {'长' * 2_000_000}\n"
    )


def test_a_sensible_alias_still_works() -> None:
    text = (
        "kind: opinion\ntitle: 标题\nquestions:\n"
        f"  - {{id: q1, type: single, text: 一？, options: &yes_no {OPTIONS}}}\n"
        "  - {id: q2, type: single, text: 二？, options: *yes_no}\n"
    )
    assert len(load_definition(text).questions) == 2


def test_escaped_control_characters_leave_the_texts() -> None:
    text = 'kind: opinion\ntitle: "楼道\\0照明\\e[31m\\x07改造"\n' + QUESTION
    assert load_definition(text).title.zh_CN == "楼道照明[31m改造"
