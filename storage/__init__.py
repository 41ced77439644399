"""Models, migrations and queries. Importing the package registers every table with
`Base.metadata`, which Alembic and the tests rely on."""

from storage import (
    complaint_models,
    contribution_models,
    conversation_models,
    models,
    schedule_models,
    survey_models,
)

__all__ = [
    "complaint_models",
    "contribution_models",
    "conversation_models",
    "models",
    "schedule_models",
    "survey_models",
]
