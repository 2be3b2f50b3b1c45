import itertools

import numpy as np
import pytest

from ml.features import TicketVectorizer, hashed_counts
from ml.similarity import SimilarityIndex
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
