import json

from django.core.management.base import BaseCommand, CommandError

from config.api.exceptions import DomainError
from ml.params import DEFAULT_TRAINING, TrainingParams
from tickets.models import ClassifierModel
from tickets.triage import services as triage_services
from tickets.triage.views import train_result


class Command(BaseCommand):
    help = (
        "Train the ticket classifier on the categorised tickets in the database, evaluate it on "
        "a stratified held-out split, save the artefact and activate it unless the promotion "
        "gate rejects it (worse than the active model on the same held-out rows)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--test-size",
            type=float,
            default=DEFAULT_TRAINING.test_size,
            help=f"Held-out share ({DEFAULT_TRAINING.test_size}).",
        )
        parser.add_argument(
            "--min-per-class",
            type=int,
            default=DEFAULT_TRAINING.min_per_class,
            help="Categories with fewer tickets are left out of the model.",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_TRAINING.seed)
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument(
            "--no-activate",
            action="store_true",
            help="Register the model without activating it (nor going through the gate).",
        )
        parser.add_argument(
            "--if-none-active",
            action="store_true",
            help="Do nothing when a model is already active (used by `make setup`).",
        )
        parser.add_argument(
            "--compare-seed",
            action="store_true",
            help="Also score the seed configuration (TfidfVectorizer() + LogisticRegression()) "
            "on the same held-out split.",
        )

    def handle(self, *args, **options):
        if not TrainingParams.TEST_SIZE_MIN <= options["test_size"] <= TrainingParams.TEST_SIZE_MAX:
            raise CommandError(
                f"--test-size must be between {TrainingParams.TEST_SIZE_MIN} and "
                f"{TrainingParams.TEST_SIZE_MAX}."
            )
        if options["min_per_class"] < TrainingParams.MIN_PER_CLASS_MIN:
            raise CommandError(
                f"--min-per-class must be at least {TrainingParams.MIN_PER_CLASS_MIN}."
            )
        if options["if_none_active"] and ClassifierModel.objects.filter(is_active=True).exists():
            self.stdout.write("A model is already active: nothing trained.")
            return
        try:
            record = triage_services.model_train(
                test_size=options["test_size"],
                min_per_class=options["min_per_class"],
                seed=options["seed"],
                activate=not options["no_activate"],
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        result = train_result(record)
        result["active"] = record.is_active
        result["training_seconds"] = round(record.training_seconds, 2)
        if options["compare_seed"]:
            result["comparison"] = triage_services.compare_with_seed(
                test_size=options["test_size"],
                min_per_class=options["min_per_class"],
                seed=options["seed"],
            )
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        self._report(result)

    def _report(self, result: dict) -> None:
        metrics = result["metrics"]
        out = self.stdout.write
        out(self.style.SUCCESS(f"Model {result['version']} trained"))
        out(f"  samples: {result['n_samples']}   classes: {result['n_classes']}")
        out(f"  artefact: {result['model_path']}   active: {result['active']}")
        if result["gate"]:
            out(f"  promotion gate: {result['gate']}   {json.dumps(result['gate_scores'])}")
        out(
            f"  held-out: accuracy {metrics['accuracy']:.3f}   macro-F1 {metrics['macro_f1']:.3f}"
            f"   ({metrics['n_test']} tickets)   training {result['training_seconds']}s"
        )
        out("  per class:        precision  recall  f1     support")
        for label, row in metrics["per_class"].items():
            out(
                f"    {label[:16]:<16} {row['precision']:.3f}      {row['recall']:.3f}   "
                f"{row['f1']:.3f}  {row['support']}"
            )
        if "comparison" in result:
            comparison = result["comparison"]
            out("  same split, seed configuration vs ours:")
            for name in ("seed", "ours"):
                row = comparison[name]
                out(
                    f"    {name:<5} accuracy {row['accuracy']:.3f}   macro-F1 {row['macro_f1']:.3f}"
                )
