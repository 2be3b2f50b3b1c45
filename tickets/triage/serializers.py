from pathlib import Path

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.serializers import StrictInputSerializer, UserSummarySerializer
from ml.params import DEFAULT_TRAINING, TrainingParams
from tickets.models import ClassifierModel, ModelGate, TrainingJob
from tickets.serializers import CategorySummarySerializer, TicketSerializer
from tickets.triage.pruning import model_has_artifact


class TrainInputSerializer(StrictInputSerializer):
    test_size = serializers.FloatField(
        min_value=TrainingParams.TEST_SIZE_MIN,
        max_value=TrainingParams.TEST_SIZE_MAX,
        default=DEFAULT_TRAINING.test_size,
    )
    min_per_class = serializers.IntegerField(
        min_value=TrainingParams.MIN_PER_CLASS_MIN,
        max_value=100_000,
        default=DEFAULT_TRAINING.min_per_class,
    )
    seed = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=DEFAULT_TRAINING.seed)


GATE_HELP = (
    "The promotion gate's verdict: first (no model was active), passed (activated: not worse "
    "than the active model on the same held-out rows), rejected (kept inactive), or empty (not "
    "gated: registered without activation, or trained before the gate)."
)
GATE_SCORES_HELP = (
    "candidate_macro_f1 and active_macro_f1 on the same held-out rows (n_rows) that neither "
    "model trained on (basis unseen_rows: the tickets newer than the active model's training), "
    "the tolerance and the active_version compared with; with fewer than min_rows such rows "
    "(basis too_few_new_rows) the model passes and only each model's own held-out estimate is "
    "shown; empty when not compared."
)


class GateScoresSerializer(serializers.Serializer):
    """What the gate compared (documentation: the field is the stored JSON)."""

    active_version = serializers.CharField(required=False)
    basis = serializers.ChoiceField(choices=["unseen_rows", "too_few_new_rows"], required=False)
    candidate_macro_f1 = serializers.FloatField(required=False, allow_null=True)
    active_macro_f1 = serializers.FloatField(required=False, allow_null=True)
    tolerance = serializers.FloatField(required=False)
    n_rows = serializers.IntegerField(required=False)
    min_rows = serializers.IntegerField(required=False)
    candidate_estimate = serializers.FloatField(required=False, allow_null=True)
    active_estimate = serializers.FloatField(required=False, allow_null=True)
    note = serializers.CharField(required=False)


class ClassifierModelSerializer(serializers.ModelSerializer):
    trained_by = UserSummarySerializer(read_only=True, allow_null=True)
    n_classes = serializers.SerializerMethodField()
    gate = serializers.ChoiceField(choices=ModelGate.choices, read_only=True, help_text=GATE_HELP)
    gate_scores = GateScoresSerializer(read_only=True, help_text=GATE_SCORES_HELP)
    has_artifact = serializers.SerializerMethodField(
        help_text="Whether its artefact's bytes are still stored; false once pruned "
        "(ML_KEEP_ARTIFACTS): the row stays for its metrics, but it cannot be activated."
    )

    class Meta:
        model = ClassifierModel
        fields = [
            "version",
            "is_active",
            "gate",
            "gate_scores",
            "trained_at",
            "trained_by",
            "n_samples",
            "n_classes",
            "classes",
            "metrics",
            "params",
            "artifact",
            "has_artifact",
            "sha256",
            "size_bytes",
            "training_seconds",
        ]
        read_only_fields = fields

    def get_n_classes(self, record) -> int:
        return len(record.classes)

    def get_has_artifact(self, record) -> bool:
        return model_has_artifact(record)


class TrainResultSerializer(serializers.Serializer):
    """The seed's answer ({n_samples, n_classes, classes, model_path}) plus version, metrics
    and what the promotion gate decided."""

    n_samples = serializers.IntegerField()
    n_classes = serializers.IntegerField()
    classes = serializers.ListField(child=serializers.CharField())
    model_path = serializers.CharField()
    version = serializers.CharField()
    metrics = serializers.DictField()
    is_active = serializers.BooleanField()
    gate = serializers.ChoiceField(choices=ModelGate.choices, help_text=GATE_HELP)
    gate_scores = GateScoresSerializer(help_text=GATE_SCORES_HELP)


def model_path(record: ClassifierModel) -> str:
    """Where this host keeps (or will keep) the model's artefact."""
    return str(Path(settings.ML_ARTIFACT_DIR) / record.artifact)


class TrainingJobSerializer(serializers.ModelSerializer):
    """A background training run. Once it has succeeded it carries the fields of the
    synchronous answer of POST /api/ml/train/ (n_samples, n_classes, classes, model_path,
    version, metrics); they are null until then."""

    requested_by = UserSummarySerializer(read_only=True, allow_null=True)
    version = serializers.SerializerMethodField()
    metrics = serializers.SerializerMethodField()
    n_samples = serializers.SerializerMethodField()
    n_classes = serializers.SerializerMethodField()
    classes = serializers.SerializerMethodField()
    model_path = serializers.SerializerMethodField()
    is_active = serializers.SerializerMethodField(
        help_text="Whether its model is active now (null until it succeeded)."
    )
    gate = serializers.SerializerMethodField(help_text=GATE_HELP)
    gate_scores = serializers.SerializerMethodField(help_text=GATE_SCORES_HELP)

    class Meta:
        model = TrainingJob
        fields = [
            "id",
            "status",
            "params",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "version",
            "metrics",
            "n_samples",
            "n_classes",
            "classes",
            "model_path",
            "is_active",
            "gate",
            "gate_scores",
            "error",
        ]
        read_only_fields = fields

    def get_version(self, job) -> str | None:
        return job.model.version if job.model else None

    def get_metrics(self, job) -> dict | None:
        return job.model.metrics if job.model else None

    def get_n_samples(self, job) -> int | None:
        return job.model.n_samples if job.model else None

    def get_n_classes(self, job) -> int | None:
        return len(job.model.classes) if job.model else None

    def get_classes(self, job) -> list[str] | None:
        return list(job.model.classes) if job.model else None

    def get_model_path(self, job) -> str | None:
        return model_path(job.model) if job.model else None

    def get_is_active(self, job) -> bool | None:
        return job.model.is_active if job.model else None

    def get_gate(self, job) -> str | None:
        return job.model.gate if job.model else None

    @extend_schema_field(GateScoresSerializer(allow_null=True))
    def get_gate_scores(self, job) -> dict | None:
        return job.model.gate_scores if job.model else None


class PredictionSerializer(serializers.Serializer):
    label = serializers.CharField()
    probability = serializers.FloatField()


class ExplanationTermSerializer(serializers.Serializer):
    term = serializers.CharField(help_text="A word or two-word phrase of the ticket's own text.")
    weight = serializers.FloatField(help_text="Its contribution to the category's score.")


class RunnerUpExplanationSerializer(serializers.Serializer):
    label = serializers.CharField()
    terms = ExplanationTermSerializer(many=True)


class ModelExplanationSerializer(serializers.Serializer):
    label = serializers.CharField()
    terms = ExplanationTermSerializer(
        many=True, help_text="The ticket's terms that weighed most for the chosen category."
    )
    runner_up = RunnerUpExplanationSerializer(required=False)
    threshold = serializers.FloatField(
        allow_null=True,
        help_text="The confidence the model needs to decide this category in triage (null: "
        "it never does; keyword rules decide).",
    )


class TicketPredictResultSerializer(serializers.Serializer):
    category = CategorySummarySerializer()
    confidence = serializers.FloatField()
    model_version = serializers.CharField()
    top = PredictionSerializer(many=True)
    explanation = ModelExplanationSerializer()
    ticket = TicketSerializer()


class SimilarTicketSerializer(serializers.Serializer):
    score = serializers.FloatField()
    ticket = TicketSerializer()


class SimilarQuerySerializer(serializers.Serializer):
    top = serializers.IntegerField(min_value=1, max_value=20, default=5)


class RerouteQuerySerializer(serializers.Serializer):
    reroute = serializers.BooleanField(default=False)
