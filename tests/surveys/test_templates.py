from importlib import resources

import pytest

from surveys.voting.decision import PRESETS, Answer, BlockReason, RuleKind
from surveys.voting.flow import progress
from surveys.voting.questions import (
    AgreeQuestion,
    ChoiceQuestion,
    MultipleChoice,
    QuestionType,
    Ranking,
    Rating,
)
from surveys.voting.schema import AnswerPer, Ballots, Role, SurveyDefinition, SurveyKind
from surveys.voting.templates import load_template, template_names


def test_every_template_file_is_listed_and_every_listed_name_has_a_file() -> None:
    files = {
        entry.name.removesuffix(".yaml")
        for entry in resources.files("surveys.voting.templates").iterdir()
        if entry.name.endswith(".yaml")
    }
    assert set(template_names()) == files
    assert len(template_names()) == 7


@pytest.mark.parametrize("name", template_names())
def test_every_template_loads_with_english_throughout(name: str) -> None:
    definition = load_template(name)
    texts = [definition.title, definition.description]
    for question in definition.questions:
        texts.append(question.text)
        if isinstance(question, ChoiceQuestion):
            texts += [option.text for option in question.options]
    assert all(text is not None and text.en for text in texts)


def test_an_unknown_template_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        load_template("../schema")


def types(definition: SurveyDefinition) -> dict[str, QuestionType]:
    return {question.id: question.type for question in definition.questions}


def test_willingness_asks_agreement_then_reasons_or_participation() -> None:
    definition = load_template("willingness")
    assert definition.kind is SurveyKind.OPINION
    assert definition.question("willing").type is QuestionType.AGREE
    asked = progress(definition, {"willing": Answer.REJECT}).visible
    assert [q.id for q in asked] == ["willing", "concerns", "remarks"]
    asked = progress(definition, {"willing": Answer.APPROVE}).visible
    assert [q.id for q in asked] == ["willing", "take_part", "remarks"]


def test_content_checklist_goes_by_tier() -> None:
    definition = load_template("content")
    basic, improvement = definition.question("basic"), definition.question("improvement")
    assert isinstance(basic, MultipleChoice)
    assert {"roof", "stairwell", "water", "gas", "fire", "cables"} <= set(basic.option_ids)
    assert isinstance(improvement, Ranking)
    assert improvement.top == 3
    assert "elevator" in improvement.option_ids
    assert types(definition)["upgrade"] is QuestionType.MULTIPLE
    assert types(definition)["in_flat"] is QuestionType.AGREE  # the guided tier


def test_elevator_is_a_major_vote_that_objections_and_consents_can_block() -> None:
    definition = load_template("elevator")
    assert definition.kind is SurveyKind.VOTE
    assert definition.audience == {Role.OWNER}
    assert definition.answer_per is AnswerPer.FLAT
    assert definition.ballots is Ballots.NAMED
    assert definition.blocked_by == {
        BlockReason.WRITTEN_OBJECTIONS,
        BlockReason.MISSING_AFFECTED_CONSENTS,
    }
    (decided,) = definition.decided_questions
    assert decided.rule == PRESETS[RuleKind.CIVIL_CODE_MAJOR]


def test_contribution_offers_every_form_of_the_programme() -> None:
    definition = load_template("contribution")
    forms = definition.question("forms")
    assert isinstance(forms, ChoiceQuestion)
    assert set(forms.option_ids) == {
        "direct",
        "fund",
        "provident",
        "income",
        "donation",
        "labour",
    }
    answers = {"willing": Answer.APPROVE, "forms": frozenset({"direct", "labour"})}
    asked = [q.id for q in progress(definition, answers).visible]
    assert asked == ["willing", "forms", "amount", "labour"]


def test_management_offers_the_three_models() -> None:
    model = load_template("management").question("model")
    assert isinstance(model, ChoiceQuestion)
    assert model.option_ids == ("professional", "community", "self")


def test_acceptance_is_decided_by_the_flats_that_answer() -> None:
    accept = load_template("acceptance").question("accept")
    assert isinstance(accept, AgreeQuestion)
    assert accept.rule == PRESETS[RuleKind.SIMPLE_MAJORITY]


def test_satisfaction_is_rated_by_everyone_anonymously() -> None:
    definition = load_template("satisfaction")
    assert definition.answer_per is AnswerPer.PERSON
    assert definition.audience == set(Role)
    assert definition.ballots is Ballots.ANONYMOUS
    ratings = [q for q in definition.questions if isinstance(q, Rating)]
    assert len(ratings) >= 5
    assert all(q.low_label and q.high_label for q in ratings)
