"""The seed configuration, the previous fixed model and the selection, on the same split.

    python -m ml.evaluate FILE.csv --title-col subject --description-col body \\
        --label-col queue [--group-col language] [--json]

One stratified held-out split: the seed configuration (``TfidfVectorizer()`` +
``LogisticRegression()`` with defaults), the model shipped before selection (hashed
words + SGD, uncalibrated) and training's selection (ml/selection.py) are all fitted on
its training part and scored on the held-out rows, and cross-validated on the same
folds of the same sample of the training part. The selection's report adds the
candidates' table, the calibration's reliability table and the coverage and accuracy
at the target precision; ``--group-col`` splits the held-out figures by a column's
values (e.g. the tickets' language).
"""

import argparse
import csv
import json
import warnings
from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline

from ml.calibration import decided_mask
from ml.candidates import DEFAULT_CANDIDATE
from ml.features import hashed_counts
from ml.params import DEFAULT_SELECTION, SelectionParams
from ml.selection import stratified_sample
from ml.text import join_ticket_text
from ml.training import (
    TrainingError,
    fit_and_score,
    held_out_metrics,
    select_and_evaluate,
    stratified_split,
)

SEED_CONFIG = "TfidfVectorizer() + LogisticRegression(), scikit-learn defaults"
PREVIOUS_CONFIG = "hashed words 1-2, SGD log-loss averaged, uncalibrated (shipped before selection)"


def _seed_pipeline():
    return make_pipeline(TfidfVectorizer(), LogisticRegression())


def _seed_fit_predict(texts, y, fit_rows, predict_rows):
    model = _seed_pipeline()
    with warnings.catch_warnings():
        # The defaults (max_iter=100) may not converge; that is the seed as it was.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit([texts[i] for i in fit_rows], y[fit_rows])
    return model.predict([texts[i] for i in predict_rows])


def _seed_cv(texts, y: np.ndarray, train, *, selection: SelectionParams, seed: int) -> dict:
    """The seed configuration on the selection's folds of the selection's sample."""
    train = np.asarray(train)
    sample = train[stratified_sample(y[train], selection.max_rows, seed=seed)]
    _, y_index = np.unique(y[sample], return_inverse=True)
    k = int(min(selection.folds, np.bincount(y_index).min()))
    labels = sorted(set(y[sample]))
    scores = []
    splitter = StratifiedKFold(k, shuffle=True, random_state=seed)
    for fit_rows, val_rows in splitter.split(np.zeros(len(sample)), y_index):
        predicted = _seed_fit_predict(texts, y, sample[fit_rows], sample[val_rows])
        scores.append(
            f1_score(
                y[sample[val_rows]], predicted, labels=labels, average="macro", zero_division=0
            )
        )
    return {"mean": round(float(np.mean(scores)), 4), "std": round(float(np.std(scores)), 4)}


def _scores(y_true, y_pred) -> dict:
    return {
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, average="macro", zero_division=0)), 4),
        "n": len(y_true),
    }


def compare_with_seed(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    test_size: float = 0.2,
    seed: int = 42,
    groups: Sequence[str] | None = None,
    selection: SelectionParams = DEFAULT_SELECTION,
    n_jobs: int = 1,
) -> dict:
    """Held-out and cross-validated figures of the seed, the previous model and the selection.

    ``texts`` are ``join_ticket_text(title, description)`` values; the seed's
    tokenizer treats the newline there exactly like the space it originally
    joined with. Every category needs at least 2 tickets (TrainingError).
    """
    rare = sorted(label for label, n in Counter(labels).items() if n < 2)
    if rare or len(set(labels)) < 2:
        raise TrainingError(f"need 2+ categories with 2+ tickets each; too rare: {rare}")
    y = np.asarray(labels, dtype=object)
    train, test = stratified_split(y, test_size=test_size, seed=seed)
    counts = hashed_counts(list(texts), n_jobs=n_jobs)
    chosen, ours, (ours_classes, ours_proba) = select_and_evaluate(
        counts, texts, y, train, test, seed=seed, selection=selection, n_jobs=n_jobs
    )
    classes, previous_proba = fit_and_score(counts, y, train, test, seed=seed, n_jobs=n_jobs)
    previous = held_out_metrics(classes, previous_proba, y[test], n_train=len(train))
    seed_predicted = _seed_fit_predict(texts, y, train, test)
    table = {row["name"]: row for row in ours["selection"]["candidates"]}
    report = {
        "split": {"test_size": test_size, "seed": seed, "n_train": len(train), "n_test": len(test)},
        "seed": {
            "config": SEED_CONFIG,
            **_scores(y[test], seed_predicted),
            "cv": _seed_cv(texts, y, train, selection=selection, seed=seed),
        },
        "previous": {
            "config": PREVIOUS_CONFIG,
            "accuracy": previous["accuracy"],
            "macro_f1": previous["macro_f1"],
            "cv": _cv_of(table.get(DEFAULT_CANDIDATE)),
            "threshold_curve": previous["threshold_curve"],
        },
        "ours": {
            "config": chosen.candidate.name,
            "description": chosen.candidate.description,
            "accuracy": ours["accuracy"],
            "macro_f1": ours["macro_f1"],
            "weighted_f1": ours["weighted_f1"],
            "cv": _cv_of(table.get(chosen.candidate.name)),
            "threshold_curve": ours["threshold_curve"],
            "selection": ours["selection"],
            "calibration": ours["calibration"],
            "policy": ours["policy"],
            "at_target": ours["at_target"],
        },
    }
    if groups is not None:
        group_of = np.asarray(groups, dtype=object)[test]
        predictions = {
            "seed": np.asarray(seed_predicted, dtype=object),
            "previous": np.asarray(classes, dtype=object)[previous_proba.argmax(axis=1)],
            "ours": np.asarray(ours_classes, dtype=object)[ours_proba.argmax(axis=1)],
        }
        decided = decided_mask(ours["policy"], ours_classes, ours_proba)
        report["groups"] = {}
        for value in sorted(set(group_of)):
            rows = group_of == value
            figures = {name: _scores(y[test][rows], p[rows]) for name, p in predictions.items()}
            right = predictions["ours"][rows] == y[test][rows]
            n = int(decided[rows].sum())
            figures["at_target"] = {
                "coverage": round(n / int(rows.sum()), 4),
                "accuracy": round(float(right[decided[rows]].mean()), 4) if n else None,
                "n": n,
            }
            report["groups"][str(value)] = figures
    return report


def _cv_of(row: dict | None) -> dict | None:
    if not row or row["cv_macro_f1"] is None:
        return None
    return {"mean": row["cv_macro_f1"], "std": row["cv_std"]}


def read_csv(path: str, title_col: str, description_col: str, label_col: str):
    """(texts, labels) from a CSV file; rows without a label are skipped."""
    texts, labels = [], []
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row.get(label_col):
                texts.append(join_ticket_text(row[title_col], row[description_col]))
                labels.append(row[label_col])
    return texts, labels


def _print_report(report: dict) -> None:
    split, ours = report["split"], report["ours"]
    selection = ours["selection"]
    print(
        f"held-out split: {split['n_train']} train / {split['n_test']} test "
        f"(stratified, test_size {split['test_size']}, seed {split['seed']}); "
        f"cross-validation: {selection['folds']} folds on {selection['sample_rows']} "
        "rows of the training part"
    )
    print(f"{'':<9}{'cv macro-F1':>13}{'accuracy':>10}{'macro-F1':>10}  configuration")
    for name in ("seed", "previous", "ours"):
        r = report[name]
        cv = "-" if not r["cv"] else f"{r['cv']['mean']:.3f}±{r['cv']['std']:.3f}"
        print(f"{name:<9}{cv:>13}{r['accuracy']:>10.3f}{r['macro_f1']:>10.3f}  {r['config']}")
    print("\ncandidates (cross-validated macro-F1, seconds):")
    for row in selection["candidates"]:
        score = "not eligible" if row["cv_macro_f1"] is None else f"{row['cv_macro_f1']:.3f}"
        print(f"  {score:>12} {row['seconds']:>7.1f}s  {row['name']}: {row['description']}")
    policy, at_target = ours["policy"], ours["at_target"]
    threshold = "unreachable" if policy["threshold"] is None else f"{policy['threshold']:.3f}"
    accuracy = "-" if at_target["accuracy"] is None else f"{at_target['accuracy']:.3f}"
    print(
        f"\ntarget precision {policy['target_precision']:.2f}: threshold {threshold} "
        f"(per category: {policy['per_class'] or 'none'}); held-out coverage "
        f"{at_target['coverage']:.3f}, accuracy {accuracy}"
    )
    calibration = ours["calibration"]
    print(
        f"\nreliability (held-out; temperature {calibration['temperature']}, "
        f"ECE {calibration['expected_calibration_error']:.3f})"
    )
    print(f"{'band':>9}{'tickets':>9}{'conf.':>8}{'accuracy':>10}")
    for row in calibration["reliability"]:
        if row["n"]:
            band = f"{row['band'][0]:.1f}-{row['band'][1]:.1f}"
            print(f"{band:>9}{row['n']:>9}{row['confidence']:>8.3f}{row['accuracy']:>10.3f}")
    for value, figures in report.get("groups", {}).items():
        at = figures["at_target"]
        at_accuracy = "-" if at["accuracy"] is None else f"{at['accuracy']:.3f}"
        print(
            f"\n{value} ({figures['ours']['n']} held-out): "
            + "; ".join(
                f"{name} acc {figures[name]['accuracy']:.3f} macro-F1 "
                f"{figures[name]['macro_f1']:.3f}"
                for name in ("seed", "previous", "ours")
            )
            + f"; at target: coverage {at['coverage']:.3f} accuracy {at_accuracy}"
        )


def read_groups(path: str, label_col: str, group_col: str) -> list[str]:
    """The ``group_col`` value of each row ``read_csv`` keeps."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [row.get(group_col, "") for row in csv.DictReader(handle) if row.get(label_col)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Compare the selection with the seed.")
    parser.add_argument("csv_file")
    parser.add_argument("--title-col", default="subject")
    parser.add_argument("--description-col", default="body")
    parser.add_argument("--label-col", default="queue")
    parser.add_argument("--group-col", help="also report held-out figures per value of this")
    parser.add_argument("--test-size", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--max-rows", type=int, default=DEFAULT_SELECTION.max_rows)
    parser.add_argument("--folds", type=int, default=DEFAULT_SELECTION.folds)
    parser.add_argument(
        "--target-precision", type=float, default=DEFAULT_SELECTION.target_precision
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    texts, labels = read_csv(args.csv_file, args.title_col, args.description_col, args.label_col)
    groups = None
    if args.group_col:
        groups = read_groups(args.csv_file, args.label_col, args.group_col)
    selection = SelectionParams(args.max_rows, args.folds, args.target_precision)
    report = compare_with_seed(
        texts, labels, test_size=args.test_size, seed=args.seed, groups=groups, selection=selection
    )
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print_report(report)


if __name__ == "__main__":
    main()
