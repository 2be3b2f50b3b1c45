"""Our pipeline against the seed configuration, on one stratified held-out split.

    python -m ml.evaluate FILE.csv --title-col subject --description-col body \\
        --label-col queue [--json] [--candidates]

``--candidates`` adds the cross-validated comparison of alternative
configurations (ml/candidates.py) that the shipped one was chosen from.
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
from sklearn.pipeline import make_pipeline

from ml.features import hashed_counts
from ml.text import join_ticket_text
from ml.training import TrainingError, evaluate_on_split, stratified_split

SEED_CONFIG = "TfidfVectorizer() + LogisticRegression(), scikit-learn defaults"
OUR_CONFIG = (
    "folded text, hashed word 1-2 grams, sublinear TF-IDF, "
    "SGDClassifier(log_loss, averaged, balanced class weights)"
)
SHOWN_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)


def _seed_scores(texts: Sequence[str], y: np.ndarray, train, test) -> dict:
    seed_model = make_pipeline(TfidfVectorizer(), LogisticRegression())
    with warnings.catch_warnings():
        # The defaults (max_iter=100) may not converge; that is the seed as it was.
        warnings.simplefilter("ignore", ConvergenceWarning)
        seed_model.fit([texts[i] for i in train], y[train])
    predicted = seed_model.predict([texts[i] for i in test])
    return {
        "config": SEED_CONFIG,
        "accuracy": float(accuracy_score(y[test], predicted)),
        "macro_f1": float(f1_score(y[test], predicted, average="macro", zero_division=0)),
    }


def compare_with_seed(
    texts: Sequence[str], labels: Sequence[str], *, test_size: float = 0.2, seed: int = 42
) -> dict:
    """Accuracy and macro-F1 of the seed configuration and of ours on the same split.

    ``texts`` are ``join_ticket_text(title, description)`` values; the seed's
    tokenizer treats the newline there exactly like the space it originally
    joined with. Every category needs at least 2 tickets (TrainingError).
    Ours also reports coverage and accuracy per confidence threshold.
    """
    rare = sorted(label for label, n in Counter(labels).items() if n < 2)
    if rare or len(set(labels)) < 2:
        raise TrainingError(f"need 2+ categories with 2+ tickets each; too rare: {rare}")
    y = np.asarray(labels, dtype=object)
    train, test = stratified_split(y, test_size=test_size, seed=seed)
    ours = evaluate_on_split(hashed_counts(list(texts)), y, train, test, seed=seed)
    return {
        "split": {"test_size": test_size, "seed": seed, "n_train": len(train), "n_test": len(test)},
        "seed": _seed_scores(texts, y, train, test),
        "ours": {
            "config": OUR_CONFIG,
            "accuracy": ours["accuracy"],
            "macro_f1": ours["macro_f1"],
            "weighted_f1": ours["weighted_f1"],
            "threshold_curve": ours["threshold_curve"],
        },
    }


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
    split = report["split"]
    print(
        f"held-out split: {split['n_train']} train / {split['n_test']} test "
        f"(stratified, test_size {split['test_size']}, seed {split['seed']})"
    )
    print(f"{'':<6}{'accuracy':>10}{'macro-F1':>10}  configuration")
    for name in ("seed", "ours"):
        r = report[name]
        print(f"{name:<6}{r['accuracy']:>10.3f}{r['macro_f1']:>10.3f}  {r['config']}")
    print(f"\n{'threshold':>9}{'coverage':>10}{'accuracy':>10}  (ours, held-out)")
    for point in report["ours"]["threshold_curve"]:
        if point["threshold"] in SHOWN_THRESHOLDS:
            accuracy = "-" if point["accuracy"] is None else f"{point['accuracy']:.3f}"
            print(f"{point['threshold']:>9.1f}{point['coverage']:>10.3f}{accuracy:>10}")
    if "candidates" in report:
        print("\n5-fold cross-validation on the training part:")
    for name, cv in report.get("candidates", {}).items():
        print(f"cv macro-F1 {cv['mean']:.3f} ± {cv['std']:.3f}  {cv['seconds']:>6.1f}s  {name}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Compare our classifier with the seed one.")
    parser.add_argument("csv_file")
    parser.add_argument("--title-col", default="subject")
    parser.add_argument("--description-col", default="body")
    parser.add_argument("--label-col", default="queue")
    parser.add_argument("--test-size", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--candidates", action="store_true", help="add the 5-fold CV comparison")
    args = parser.parse_args(argv)
    texts, labels = read_csv(args.csv_file, args.title_col, args.description_col, args.label_col)
    report = compare_with_seed(texts, labels, test_size=args.test_size, seed=args.seed)
    if args.candidates:
        from ml.candidates import cross_validate_candidates

        report["candidates"] = cross_validate_candidates(
            texts, labels, test_size=args.test_size, seed=args.seed
        )
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print_report(report)


if __name__ == "__main__":
    main()
