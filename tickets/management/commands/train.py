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
        self._report_selection(metrics)
        if "comparison" in result:
            comparison = result["comparison"]
            out("  same split, seed configuration, previous fixed model, ours:")
            for name in ("seed", "previous", "ours"):
                row = comparison[name]
                out(
                    f"    {name:<8} accuracy {row['accuracy']:.3f}   macro-F1 {row['macro_f1']:.3f}"
                )

    def _report_selection(self, metrics: dict) -> None:
        out = self.stdout.write
        selection = metrics.get("selection")
        if selection:
            out(
                f"  configuration: {selection['chosen']} ({selection['reason']}; "
                f"{selection['folds']}-fold cross-validation on {selection['sample_rows']} "
                f"training rows, {selection['seconds']:.1f}s)"
            )
            out("    candidate               cv macro-F1    time")
            for row in selection["candidates"]:
                if row["cv_macro_f1"] is None:
                    score = "not eligible" if not row["eligible"] else "-"
                    out(f"    {row['name']:<23} {score:>13}")
                    continue
                out(
                    f"    {row['name']:<23} {row['cv_macro_f1']:.3f} ± {row['cv_std']:.3f}"
                    f"  {row['seconds']:>5.1f}s"
                )
        policy, at_target = metrics.get("policy"), metrics.get("at_target")
        if policy:
            target = policy["target_precision"]
            if policy["reached"]:
                per_class = ", ".join(
                    f"{label} {'never' if t is None else f'{t:.3f}'}"
                    for label, t in policy["per_class"].items()
                )
                out(
                    f"  decides at confidence >= {policy['threshold']:.3f} for a target "
                    f"precision of {target:.2f}"
                    + (f" (per category: {per_class})" if per_class else "")
                )
            else:
                out(
                    self.style.WARNING(
                        f"  the target precision {target:.2f} is not reachable on out-of-fold "
                        "predictions: the model decides nothing, the keyword rules do "
                        "(lower ML_TARGET_PRECISION or set ML_CONFIDENCE_THRESHOLD)"
                    )
                )
        if at_target:
            accuracy = "-" if at_target["accuracy"] is None else f"{at_target['accuracy']:.3f}"
            out(
                f"  held-out at the threshold: coverage {at_target['coverage']:.3f}   "
                f"accuracy {accuracy}   ({at_target['n']} of {at_target['n_test']} tickets)"
            )
        calibration = metrics.get("calibration")
        if calibration:
            out(
                f"  reliability (held-out; temperature {calibration['temperature']}, "
                f"ECE {calibration['expected_calibration_error']:.3f}):"
            )
            out("    confidence    tickets  mean conf.  accuracy")
            for row in calibration["reliability"]:
                if row["n"]:
                    low, high = row["band"]
                    out(
                        f"    {low:.1f}-{high:.1f}      {row['n']:>7}  {row['confidence']:>10.3f}"
                        f"  {row['accuracy']:>8.3f}"
                    )
