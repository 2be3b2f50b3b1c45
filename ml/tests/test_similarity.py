import copy
import itertools

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from ml.features import TicketVectorizer, hashed_counts
from ml.selection import select_configuration
from ml.similarity import CATEGORY_WEIGHT, SimilarityIndex, category_probabilities
from ml.training import train_classifier

TEXTS = {
    1: "printer jam on floor two",
    2: "printer toner empty",
    3: "invoice payment failed",
    4: "vpn connection drops",
    5: "printer jam again on floor two, the jam is back",
}


@pytest.fixture
def index():
    counts = hashed_counts(list(TEXTS.values()))
    vectorizer = TicketVectorizer().fit_counts(counts)
    return SimilarityIndex(list(TEXTS), vectorizer.weight(counts), vectorizer)


def test_best_match_first_and_unrelated_tickets_left_out(index):
    results = index.query("Printer JAM, floor two", top=10)
    assert [ticket_id for ticket_id, _ in results] == [1, 5, 2]
    scores = [score for _, score in results]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 1.0 + 1e-6 for score in scores)


def test_excluded_ids_are_left_out(index):
    results = index.query("printer jam on floor two", top=10, exclude_ids={1})
    assert [ticket_id for ticket_id, _ in results] == [5, 2]


def test_identical_text_scores_one(index):
    assert index.query(TEXTS[3], top=1) == [(3, pytest.approx(1.0, abs=1e-5))]


def test_extra_tickets_are_ranked_with_the_indexed_ones(index):
    extra = [(6, "printer jam on floor two"), (7, "holiday request")]
    results = index.query("printer jam on floor two", top=10, extra=extra, exclude_ids={1})
    assert results[0] == (6, pytest.approx(1.0, abs=1e-5))
    assert [ticket_id for ticket_id, _ in results] == [6, 5, 2]


def test_an_edited_ticket_in_extra_replaces_its_indexed_text(index):
    results = index.query("vpn connection drops", top=10, extra=[(4, "toner order")])
    assert results == []
    results = index.query("toner", top=10, extra=[(4, "toner order")])
    assert sorted(ticket_id for ticket_id, _ in results) == [2, 4]


def test_equal_scores_are_ordered_by_id():
    texts = ["same words here", "other thing", "same words here"]
    counts = hashed_counts(texts)
    vectorizer = TicketVectorizer().fit_counts(counts)
    index = SimilarityIndex([9, 8, 7], vectorizer.weight(counts), vectorizer)
    assert [i for i, _ in index.query("same words here", top=2)] == [7, 9]


def test_top_zero_returns_nothing(index):
    assert index.query("printer", top=0) == []


def test_ranked_matches_brute_force_cosine_beyond_the_first_batch(trained, tickets):
    texts, _, ids = tickets
    index = trained.model.index
    query = trained.model.vectorize([texts[0]])
    ranked = list(index.ranked(query))
    vectors = trained.model.vectorize(texts)
    brute = (vectors @ query.T).toarray().ravel()
    expected = sorted(
        ((ids[i], brute[i]) for i in np.flatnonzero(brute > 0)), key=lambda p: (-p[1], p[0])
    )
    assert len(ranked) == len(expected) > 200  # several lazy batches
    assert [i for i, _ in ranked[:150]] == [i for i, _ in expected[:150]]
    np.testing.assert_allclose([s for _, s in ranked], [s for _, s in expected], rtol=1e-4)
    assert len({i for i, _ in ranked}) == len(ranked)


def test_ranked_is_lazy_and_agrees_with_query(trained):
    model = trained.model
    title, description = "Passwort", "login account password reset"
    first_page = list(itertools.islice(model.similar_ranked(title, description), 20))
    assert first_page == model.similar(title, description, top=20)


def test_model_similar_excludes_the_ticket_itself(trained, tickets):
    texts, _, ids = tickets
    title, _, description = texts[5].partition("\n")
    assert trained.model.similar(title, description, top=1)[0][0] == ids[5]
    results = trained.model.similar(title, description, top=5, exclude_ids={ids[5]})
    assert ids[5] not in [i for i, _ in results] and len(results) == 5


def test_model_without_index_has_no_similar_tickets(tickets):
    texts, labels, _ = tickets
    model = train_classifier(texts[:200], labels[:200], n_jobs=1).model
    assert not model.has_similarity_index
    assert model.similar("printer", "jam", top=5) == []
    assert list(model.similar_ranked("printer", "jam")) == []


# Re-ranking by category (ml/similarity.py's noisy-or)

BILLING = [
    "invoice amount is wrong",
    "refund not received yet",
    "card payment declined",
    "charged twice this month",
    "need a copy of my invoice",
    "refund the double charge",
    "payment failed at checkout",
    "invoice shows the wrong address",
    "how do I pay by card",
    "request a refund for last month",
]
NETWORK = [
    "vpn connection drops",
    "wifi is slow in the office",
    "cannot reach the vpn gateway",
    "router keeps restarting",
    "network cable unplugged",
    "vpn client will not start",
    "wifi password rejected",
    "office network is down",
    "dns lookups time out",
    "vpn disconnects every hour",
]
# A billing question that shares words with network tickets.
MIXED_QUERY = "wrong invoice for the office network, refund the card payment"


@pytest.fixture(scope="module")
def billing_and_network():
    """A model trained on ten billing and ten network tickets (ids 1-20), and their labels."""
    texts = BILLING + NETWORK
    labels = ["billing"] * len(BILLING) + ["network"] * len(NETWORK)
    ids = list(range(1, len(texts) + 1))
    model = train_classifier(texts, labels, ids=ids, n_jobs=1).model
    return model, dict(zip(ids, labels, strict=True))


def test_same_category_first_where_plain_tfidf_cosine_mixes_categories(billing_and_network):
    model, label_of = billing_and_network
    texts = BILLING + NETWORK
    plain = TfidfVectorizer().fit(texts)
    plain_scores = (plain.transform([MIXED_QUERY]) @ plain.transform(texts).T).toarray().ravel()
    plain_top = [label_of[int(i) + 1] for i in np.argsort(-plain_scores, kind="stable")[:5]]
    cosine_top = [label_of[i] for i, _ in model.index.query(MIXED_QUERY, top=5)]
    assert "network" in plain_top and "network" in cosine_top[:2]

    results = model.similar("", MIXED_QUERY, top=5)

    assert [label_of[i] for i, _ in results] == ["billing"] * 5
    scores = [score for _, score in results]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)


class FixedScorer:
    """A stand-in classifier with fixed probabilities, for exact expectations."""

    def __init__(self, probabilities: dict[str, float]):
        self.classes = list(probabilities)
        self.row = np.array([list(probabilities.values())])

    def predict_proba(self, vectors):
        return np.repeat(self.row, vectors.shape[0], axis=0)


@pytest.fixture
def labelled_index():
    texts = {1: "printer jam on floor two", 2: "printer jam invoice", 3: "invoice overdue"}
    labels = ["hardware", "billing", "billing"]
    counts = hashed_counts(list(texts.values()))
    vectorizer = TicketVectorizer().fit_counts(counts)
    return SimilarityIndex(list(texts), vectorizer.weight(counts), vectorizer, labels)


def reranked(index, text, probabilities, **kwargs):
    vector = index.vectorizer.transform([text])
    weights = category_probabilities(FixedScorer(probabilities), vector)
    return index.query(vector, top=10, category_probabilities=weights, **kwargs)


def test_category_probability_lifts_a_candidate_by_the_noisy_or(labelled_index):
    cosine = dict(labelled_index.query("printer jam floor", top=10))
    assert cosine[1] > cosine[2]  # by text alone, the hardware ticket first

    results = reranked(labelled_index, "printer jam floor", {"hardware": 0.0, "billing": 1.0})

    assert [i for i, _ in results] == [2, 1]  # no shared term, no candidate: 3 stays out
    scores = dict(results)
    assert scores[2] == pytest.approx(1 - (1 - cosine[2]) * (1 - CATEGORY_WEIGHT))
    assert scores[1] == pytest.approx(cosine[1])  # a category the query cannot be in


def test_an_unsure_classifier_keeps_the_cosine_order_and_identical_text_scores_one(
    labelled_index,
):
    cosine = labelled_index.query("printer jam invoice", top=10)

    results = reranked(labelled_index, "printer jam invoice", {"hardware": 0.5, "billing": 0.5})

    assert [i for i, _ in results] == [i for i, _ in cosine]
    assert results[0] == (2, pytest.approx(1.0, abs=1e-5))
    sure_elsewhere = reranked(labelled_index, "printer jam invoice", {"hardware": 1.0})
    assert sure_elsewhere[0] == (2, pytest.approx(1.0, abs=1e-5))


def test_reranked_results_never_include_the_query_ticket(labelled_index, billing_and_network):
    results = reranked(labelled_index, "printer jam invoice", {"billing": 1.0}, exclude_ids={2})
    assert 2 not in [i for i, _ in results] and results
    model, _ = billing_and_network
    for ticket_id, text in enumerate(BILLING + NETWORK, start=1):
        assert model.similar("", text, top=1)[0][0] == ticket_id  # itself, unless excluded
        found = model.similar("", text, top=5, exclude_ids={ticket_id})
        assert ticket_id not in [i for i, _ in found]


def test_extra_tickets_are_reranked_by_their_own_category(labelled_index):
    extra = labelled_index.vectorize_extra([(7, "printer jam", "billing"), (8, "printer jam")])
    cosine = dict(labelled_index.query("printer jam", top=10, extra=extra))
    assert cosine[7] == pytest.approx(cosine[8])

    results = reranked(labelled_index, "printer jam", {"billing": 1.0}, extra=extra)

    assert [i for i, _ in results][:2] == [7, 8]  # uncategorised: cosine only
    assert dict(results)[7] > dict(results)[8] == pytest.approx(cosine[8])


def test_an_index_saved_without_categories_ranks_by_cosine(labelled_index):
    old = copy.copy(labelled_index)
    del old.label_names, old.label_codes  # as unpickled from an older artefact
    cosine = old.query("printer jam", top=10)

    assert reranked(old, "printer jam", {"billing": 1.0}) == cosine


def test_a_model_that_reads_character_ngrams_reranks_its_similar_tickets(monkeypatch):
    """The classifier may read a character block besides the words the index compares: the
    re-ranking must score the query as the classifier reads it (a word vector alone has the
    wrong width and fails)."""
    from functools import partial

    from ml import training
    from ml.candidates import candidate_named
    from ml.promotion import holdout_macro_f1

    chars = candidate_named("words+chars-linearsvc")
    monkeypatch.setattr(
        training, "select_configuration", partial(select_configuration, candidates=(chars,))
    )
    texts = BILLING + NETWORK
    labels = ["billing"] * len(BILLING) + ["network"] * len(NETWORK)
    ids = list(range(1, len(texts) + 1))
    model = train_classifier(texts, labels, ids=ids, n_jobs=1).model
    assert model.char_vectorizer is not None

    results = model.similar("", MIXED_QUERY, top=5)

    assert [dict(zip(ids, labels, strict=True))[i] for i, _ in results] == ["billing"] * 5
    assert holdout_macro_f1(model, texts, labels) > 0.9
