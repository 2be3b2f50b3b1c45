"""Helpers shared by the ML tests: a trainable history, the artefact in the database and its
cached copy on this host's disk."""

from pathlib import Path

from django.conf import settings

from tickets.demo.seeding import tickets_seed
from tickets.models import ClassifierArtifact, ClassifierModel

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
    """Where this process caches the model's artefact."""
    return Path(settings.ML_ARTIFACT_DIR) / record.artifact


def stored_artifact(record: ClassifierModel) -> bytes:
    """The artefact's bytes as every host reads them, from the database."""
    return bytes(ClassifierArtifact.objects.get(model=record).data)


def store_artifact(record: ClassifierModel, data: bytes) -> None:
    """Overwrite the stored bytes, as damage or tampering in the database would, and drop
    this host's cached copy so that the database's bytes are what gets loaded."""
    ClassifierArtifact.objects.update_or_create(model=record, defaults={"data": data})
    artifact_path(record).unlink(missing_ok=True)


def delete_artifact(record: ClassifierModel) -> None:
    """The artefact gone everywhere: from the database and from this host's cache."""
    ClassifierArtifact.objects.filter(model=record).delete()
    artifact_path(record).unlink(missing_ok=True)


def active_versions() -> list[str]:
    return list(ClassifierModel.objects.filter(is_active=True).values_list("version", flat=True))
