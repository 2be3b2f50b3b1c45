"""Helpers shared by the ML tests: a trainable history and the artefact on disk."""

from pathlib import Path

from django.conf import settings

from tickets.models import ClassifierModel
from tickets.seeding import tickets_seed

# Enough demo tickets for every category to be on both sides of the held-out split.
HISTORY_SIZE = 150

# Texts of the demo history, which a model trained on it is sure about.
BILLING_TITLE = "Charged twice this month"
BILLING_TEXT = "I was charged 49 EUR twice for March. Could you refund the duplicate payment?"
# No keyword of any category, and nothing a model could be sure about.
NEUTRAL_TITLE = "Zorglub quux"
NEUTRAL_TEXT = "Blorp wibble frobnicate."


def history_seed(*, requester, n: int = HISTORY_SIZE, seed: int = 7) -> int:
    """Categorised demo tickets (billing, bug, account, feature, other), in bulk."""
    return tickets_seed(n=n, seed=seed, requester=requester)


def artifact_path(record: ClassifierModel) -> Path:
    """Where the registry looks for this model's file."""
    return Path(settings.ML_ARTIFACT_DIR) / record.artifact


def active_versions() -> list[str]:
    return list(ClassifierModel.objects.filter(is_active=True).values_list("version", flat=True))
