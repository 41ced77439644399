"""Models, migrations and queries. Importing the package registers every table with
`Base.metadata`, which Alembic and the tests rely on."""

from storage import models, schedule_models
from storage.complaints import models as complaint_models
from storage.conversations import models as conversation_models
from storage.drives import models as contribution_models
from storage.surveys import models as survey_models

__all__ = [
    "complaint_models",
    "contribution_models",
    "conversation_models",
    "models",
    "schedule_models",
    "survey_models",
]
