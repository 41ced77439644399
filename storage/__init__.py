"""Models, migrations and queries. Importing the package registers every table with
`Base.metadata`, which Alembic and the tests rely on."""

from storage import models, survey_models

__all__ = ["models", "survey_models"]
