"""The configurations the shipped pipeline was chosen from, cross-validated.

Only the training part of the held-out split is used (5-fold, stratified), so
the test rows that ``compare_with_seed`` reports on never influenced the
choice. Run through ``python -m ml.evaluate FILE.csv --candidates``.
"""

import time
import warnings
from collections.abc import Callable, Sequence

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.svm import LinearSVC

from ml.features import build_hasher
from ml.text import fold
from ml.training import build_classifier, stratified_split


def _words() -> TfidfVectorizer:
    return TfidfVectorizer(preprocessor=fold, ngram_range=(1, 2), sublinear_tf=True)


def _chars() -> TfidfVectorizer:
    return TfidfVectorizer(
        preprocessor=fold, analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True
    )


def _ours(seed: int):
    return make_pipeline(
        build_hasher(), TfidfTransformer(sublinear_tf=True), build_classifier(seed=seed, n_jobs=1)
    )


def candidates(seed: int) -> dict[str, Callable[[], object]]:
    """Name -> factory of an unfitted scikit-learn pipeline."""
    balanced = {"class_weight": "balanced"}
    return {
        "seed: TfidfVectorizer() + LogisticRegression() defaults": lambda: make_pipeline(
            TfidfVectorizer(), LogisticRegression()
        ),
        "shipped: hashed words 1-2 + SGD log_loss averaged": lambda: _ours(seed),
        "words 1-2 + LinearSVC(C=1)": lambda: make_pipeline(
            _words(), LinearSVC(C=1.0, random_state=seed, **balanced)
        ),
        "words 1-2 + LinearSVC + sigmoid calibration": lambda: make_pipeline(
            _words(), CalibratedClassifierCV(LinearSVC(random_state=seed, **balanced), cv=3)
        ),
        "words 1-2 + LogisticRegression(C=10)": lambda: make_pipeline(
            _words(), LogisticRegression(C=10.0, max_iter=2000, **balanced)
        ),
        "words 1-2 + SGD modified_huber": lambda: make_pipeline(
            _words(), SGDClassifier(loss="modified_huber", random_state=seed, **balanced)
        ),
        "char_wb 2-5 + LinearSVC(C=1)": lambda: make_pipeline(
            _chars(), LinearSVC(C=1.0, random_state=seed, **balanced)
        ),
        "words 1-2 + char_wb 2-5 + LinearSVC(C=1)": lambda: make_pipeline(
            FeatureUnion([("words", _words()), ("chars", _chars())]),
            LinearSVC(C=1.0, random_state=seed, **balanced),
        ),
    }


def cross_validate_candidates(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    test_size: float = 0.2,
    seed: int = 42,
    folds: int = 5,
) -> dict[str, dict]:
    """Macro-F1 (mean, std over folds) and wall time of each candidate."""
    y = np.asarray(labels, dtype=object)
    train, _ = stratified_split(y, test_size=test_size, seed=seed)
    train_texts, train_y = [texts[i] for i in train], y[train]
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    results = {}
    for name, factory in candidates(seed).items():
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            scores = cross_val_score(
                factory(), train_texts, train_y, cv=splitter, scoring="f1_macro"
            )
        results[name] = {
            "mean": float(scores.mean()),
            "std": float(scores.std()),
            "seconds": round(time.perf_counter() - started, 1),
        }
    return results
