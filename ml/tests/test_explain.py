"""Explanations name the ticket's own terms, and add up to the model's scores."""

import copy

import numpy as np
import pytest

from ml.explain import word_counts, word_terms
from ml.features import build_hasher, hashed_counts
from ml.text import join_ticket_text

EXAMPLES = [
    ("Invoice overdue", "Our invoice is marked overdue although the payment went through."),
    ("Passwort vergessen", "Ich kann mich nicht anmelden, das Konto ist gesperrt."),
    ("Zorglub quux", "Blorp wibble frobnicate."),
]


@pytest.mark.parametrize(("title", "description"), EXAMPLES)
def test_explanations_name_terms_present_in_the_ticket(trained, title, description):
    prediction = trained.model.predict(title, description)
    explanation = prediction.explanation
    present = set(build_hasher().build_analyzer()(join_ticket_text(title, description)))
    assert explanation["label"] == prediction.label
    assert explanation["runner_up"]["label"] == prediction.top[1][0]
    for part in (explanation, explanation["runner_up"]):
        weights = [t["weight"] for t in part["terms"]]
        assert weights == sorted(weights, reverse=True) and all(w > 0 for w in weights)
        assert {t["term"] for t in part["terms"]} <= present


def test_clear_tickets_are_explained_by_their_telling_words(trained):
    explanation = trained.model.predict("Rechnung falsch", "invoice payment refund").explanation
    assert explanation["label"] == "billing"
    assert {"invoice", "refund", "payment", "rechnung"} & {t["term"] for t in explanation["terms"]}


def test_the_prediction_vector_is_the_hashers(tickets):
    texts, _, _ = tickets
    for text in texts[:20]:
        ours = word_counts(word_terms(_Vectorizer(), text), 2**20)
        reference = hashed_counts([text])
        assert (ours != reference).nnz == 0


class _Vectorizer:
    n_features = 2**20
    ngram_range = (1, 2)


def test_contributions_add_up_to_the_score_difference(trained):
    """With a word-only model every feature of the ticket is a named term."""
    model = trained.model
    # The fixture's data selects the word-only model; with a character block the terms would
    # not add up (character n-grams are shared between words), so this must hold, not skip.
    assert model.char_vectorizer is None
    text = join_ticket_text("Refund", "refund my invoice payment please")
    vector = model.features([text])
    scores = model.classifier.class_scores(vector)[0] / model.classifier.temperature
    intercepts = model.classifier.class_scores(vector * 0)[0] / model.classifier.temperature
    from ml.explain import _contributions

    chosen = int(np.argmax(scores))
    contributions = _contributions(model, text, vector, [chosen])[0]
    assert sum(contributions.values()) == pytest.approx(scores[chosen] - intercepts[chosen])


def test_models_saved_before_thresholds_still_predict(trained):
    """An artefact pickled before calibration: no policy, no temperature, no char block."""
    old = copy.deepcopy(trained.model)
    for attribute in ("policy", "char_vectorizer"):
        old.__dict__.pop(attribute, None)
    old.classifier.__dict__.pop("temperature", None)
    prediction = old.predict("Invoice wrong", "refund the payment")
    assert prediction.label in old.classes
    assert old.threshold_for(prediction.label) == 0.5
    assert old.char_vectorizer is None and old.classifier.temperature is None
