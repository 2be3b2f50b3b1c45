import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import SGDClassifier

from ml.features import TicketVectorizer, hashed_counts
from ml.linear import LinearScorer
from ml.types import SOURCE_MODEL


def test_predict_returns_the_best_three_sorted(trained):
    prediction = trained.model.predict("Invoice payment wrong", "The refund charge is missing.")
    assert prediction.source == SOURCE_MODEL
    assert len(prediction.top) == 3
    probabilities = [p for _, p in prediction.top]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) <= 1.0 + 1e-9
    assert prediction.label == prediction.top[0][0]
    assert prediction.confidence == probabilities[0]
    assert {label for label, _ in prediction.top} <= set(trained.classes)


def test_predict_finds_the_category_of_clear_tickets(trained):
    assert trained.model.predict("Rechnung falsch", "invoice payment refund").label == "billing"
    assert trained.model.predict("Passwort reset", "login account password").label == "account"


def test_prediction_ignores_case_and_accents(trained):
    plain = trained.model.predict("facture impayee", "paiement refuse")
    fancy = trained.model.predict("FACTURE IMPAYÉE !", "Paiement refusé...")
    assert plain.top == fancy.top


def test_probabilities_sum_to_one_per_ticket(trained, tickets):
    texts, _, _ = tickets
    probabilities = trained.model.predict_proba(trained.model.vectorize(texts[:20]))
    assert probabilities.shape == (20, len(trained.classes))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("labels", [["a", "b", "c"], ["a", "b"]], ids=["multiclass", "binary"])
def test_linear_scorer_matches_scikit_learn(trained, tickets, labels):
    texts, _, _ = tickets
    vectors = trained.model.vectorize(texts[:300])
    y = [labels[i % len(labels)] for i in range(300)]
    estimator = SGDClassifier(loss="log_loss", random_state=0).fit(vectors, y)
    scorer = LinearScorer.from_estimator(estimator)
    assert list(scorer.classes_) == labels
    np.testing.assert_allclose(
        scorer.predict_proba(vectors), estimator.predict_proba(vectors), rtol=1e-5, atol=1e-6
    )


def test_tfidf_weighting_matches_scikit_learn(tickets):
    texts, _, _ = tickets
    counts = hashed_counts(texts)
    ours = TicketVectorizer().fit_counts(counts[:500]).weight(counts)
    reference = TfidfTransformer(sublinear_tf=True).fit(counts[:500]).transform(counts)
    assert ours.dtype == np.float32 and ours.nnz == reference.nnz
    # Sparse difference: 800 dense rows of 2**20 columns would need gigabytes.
    assert abs(ours - reference).max() < 1e-6
    assert abs(reference).max() > 0.1
    # The counts were not touched without in_place.
    assert counts.data.min() >= 1.0


def test_parallel_hashing_matches_serial(tickets):
    texts, _, _ = tickets
    many = texts * 30  # above the parallel threshold
    parallel, serial = hashed_counts(many, n_jobs=2), hashed_counts(many, n_jobs=1)
    assert parallel.shape == serial.shape and parallel.nnz == serial.nnz
    assert (parallel != serial).nnz == 0


@pytest.mark.parametrize("density", [1.0, 0.01], ids=["dense", "sparse"])
def test_linear_scorer_gives_the_same_scores_in_either_layout(density):
    rng = np.random.default_rng(0)
    coef = rng.normal(size=(4, 1000)) * (rng.random((4, 1000)) < density)
    scorer = LinearScorer(["a", "b", "c", "d"], coef, np.array([0.1, -0.2, 0.0, 0.3]))
    assert sp.issparse(scorer.weights) == (density < 0.5)
    vectors = sp.random(5, 1000, density=0.05, format="csr", random_state=1, dtype=np.float32)
    expected = 1 / (1 + np.exp(-(vectors.toarray() @ coef.T + [0.1, -0.2, 0.0, 0.3])))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(scorer.predict_proba(vectors), expected, rtol=1e-4)
