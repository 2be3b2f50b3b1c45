"""Upgrading an installation whose models were files: migration 0004 copies each file still in
ML_ARTIFACT_DIR whose digest matches the registry into the database, and nothing else."""

import hashlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("tickets", "0003_analytics_indexes")]
AFTER = [("tickets", "0004_shared_artifacts_training_jobs")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_artefact_files_are_copied_into_the_database(settings):
    directory = settings.ML_ARTIFACT_DIR
    directory.mkdir(parents=True)
    good, other = b"the pickled model", b"some other bytes"
    (directory / "ticket_classifier-good.joblib").write_bytes(good)
    (directory / "ticket_classifier-swapped.joblib").write_bytes(other)
    digest = hashlib.sha256(good).hexdigest()
    try:
        old = migrate(BEFORE)
        registry = old.get_model("tickets", "ClassifierModel")
        for version in ("good", "swapped", "gone"):
            registry.objects.create(
                version=version,
                n_samples=1,
                artifact=f"ticket_classifier-{version}.joblib",
                sha256=digest,
            )

        new = migrate(AFTER)

        stored = {
            row.model.version: bytes(row.data)
            for row in new.get_model("tickets", "ClassifierArtifact").objects.select_related(
                "model"
            )
        }
        assert stored == {"good": good}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
