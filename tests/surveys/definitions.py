"""Survey definitions for the schema tests: a base opinion survey, questions, and how a
definition is read or refused."""

import copy
from typing import Any

import pytest
import yaml

from surveys.voting.schema import SchemaError, SurveyDefinition, load_definition

YES_NO = [{"id": "yes", "text": "需要"}, {"id": "no", "text": "不需要"}]
BASE: dict[str, Any] = {
    "kind": "opinion",
    "title": "楼道照明改造",
    "questions": [
        {"id": "q1", "type": "single", "text": "楼道照明需要改造吗？", "options": YES_NO}
    ],
}
VOTE_QUESTION = {"id": "v", "type": "agree", "text": "是否同意？", "rule": "civil_code_ordinary"}


def survey(*questions: dict[str, Any], **fields: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    if questions:
        data["questions"] = list(questions)
    data.update(fields)
    return data


def load(data: dict[str, Any]) -> SurveyDefinition:
    return load_definition(yaml.safe_dump(data, allow_unicode=True))


def problems(source: dict[str, Any] | str) -> list[tuple[str, str]]:
    text = source if isinstance(source, str) else yaml.safe_dump(source, allow_unicode=True)
    with pytest.raises(SchemaError) as caught:
        load_definition(text)
    return [(error.path, error.reason) for error in caught.value.errors]


def single(question_id: str = "q1", **fields: Any) -> dict[str, Any]:
    return {"id": question_id, "type": "single", "text": "选哪个？", "options": YES_NO, **fields}


def options(count: int) -> list[dict[str, str]]:
    return [{"id": f"o{n}", "text": f"选项{n}"} for n in range(count)]
