"""The keyword classifier: multilingual, case- and accent-insensitive, whole words only."""

import pytest

from ml.keywords import KeywordClassifier
from ml.text import fold

RULES = {
    "billing": ["facture", "impayée", "fattura", "paiement", "invoice", "Rechnung", "credit card"],
    "bug": ["erreur technique", "errore", "bug", "Fehler", "crash"],
    "account": ["mot de passe", "password", "Passwort"],
}


@pytest.fixture
def classifier():
    return KeywordClassifier(RULES)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Facture impayée", "billing"),
        ("FACTURE IMPAYEE", "billing"),
        ("fattura non pagata", "billing"),
        ("PAIEMENT refusé", "billing"),
        ("invoice overdue", "billing"),
        ("Rechnung falsch", "billing"),
        ("erreur technique", "bug"),
        ("Erreur Téchnique!", "bug"),
        ("errore dell'app", "bug"),
        ("Fehler beim Start", "bug"),
        ("Mot de passe oublié", "account"),
        ("PASSWORT vergessen", "account"),
    ],
)
def test_classifies_in_every_language_ignoring_case_and_accents(classifier, title, expected):
    prediction = classifier.predict(title, "")
    assert prediction.label == expected
    assert prediction.source == "keywords"
    assert prediction.confidence == 1.0


def test_no_keyword_means_no_category(classifier):
    prediction = classifier.predict("Hello", "Just saying hi.")
    assert (prediction.label, prediction.source, prediction.confidence) == (None, "none", 0.0)


def test_matches_whole_words_and_phrases_only(classifier):
    # "facturation" contains "factur" but is not the keyword "facture";
    # "debugging" contains "bug"; "technique" alone is not the phrase "erreur technique".
    assert classifier.predict("facturation", "debugging une technique").label is None
    assert classifier.predict("", "my credit card was refused").label == "billing"
    assert classifier.predict("", "my credit was refused, card lost").label is None


def test_title_weighs_more_than_description_and_confidence_is_a_share(classifier):
    prediction = classifier.predict("Crash", "also an invoice question")
    # title "crash" scores 2, description "invoice" scores 1.
    assert prediction.label == "bug"
    assert prediction.confidence == pytest.approx(2 / 3, abs=1e-4)
    assert [label for label, _ in prediction.top] == ["bug", "billing"]


def test_phrases_score_by_their_length(classifier):
    prediction = classifier.predict("", "erreur technique sur la facture")
    assert prediction.label == "bug"  # two-word phrase (2) beats one word (1)


def test_ties_go_to_the_category_listed_first(classifier):
    assert classifier.predict("", "invoice crash").label == "billing"


def test_categories_without_keywords_are_ignored():
    classifier = KeywordClassifier({"other": [], "billing": ["invoice"]})
    assert classifier.labels == ["billing"]


def test_fold_strips_accents_case_punctuation_and_control_characters():
    assert fold("Ça   coûte\x00 TROP !!! Straße") == "ca coute trop strasse"
