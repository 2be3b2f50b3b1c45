"""Deterministic synthetic help-desk tickets for benchmarks and tests.

Real tickets cannot live in the repository, yet speed and memory must be
measured at 100,000+ rows. These tickets mimic the properties that drive cost:
several languages, a per-category vocabulary diluted by shared filler words,
ticket-specific tokens (order numbers) that keep the vocabulary growing with
the row count, and some label noise so the classes overlap.
"""

import numpy as np

# A few real words per category and language anchor the generated vocabulary.
_SEED_WORDS = {
    "billing": "invoice payment refund charge facture rechnung zahlung factura pago",
    "technical": "error crash bug server fehler absturz erreur panne fallo",
    "account": "password login account reset passwort konto compte contrasena",
    "shipping": "delivery parcel tracking shipment lieferung paket livraison envio",
    "returns": "return exchange damaged broken rucksendung umtausch retour devolucion",
    "outage": "outage down unavailable maintenance ausfall wartung coupure caida",
    "sales": "quote pricing licence demo angebot preis devis presupuesto",
    "hr": "payroll vacation contract leave gehalt urlaub conge nomina",
    "security": "phishing breach suspicious malware sicherheit virus securite seguridad",
    "general": "question information hours opening frage auskunft renseignement consulta",
}
_FUNCTION_WORDS = {
    "en": "the a to and is it my i we please our for with on not have can you",
    "de": "der die das und ist es mein ich wir bitte unser fur mit auf nicht haben",
    "fr": "le la les et est il mon je nous merci notre pour avec sur pas avoir",
    "es": "el la los y es mi yo nosotros por favor nuestro para con en no tener",
}
_SYLLABLES = ("ka", "lo", "mi", "ter", "sch", "ung", "ver", "ion", "ar", "es", "qu", "ei")

CATEGORIES = tuple(_SEED_WORDS)
_TOPIC_WORDS = 160


def _pseudo_words(rng: np.random.Generator, count: int) -> list[str]:
    """Pronounceable nonsense words of 2-4 syllables."""
    lengths = rng.integers(2, 5, size=count)
    return ["".join(rng.choice(_SYLLABLES, size=n)) for n in lengths]


class _Permutations:
    """One fixed shuffle per body length: cheap, deterministic word order."""

    def __init__(self) -> None:
        self._by_length: dict[int, list[int]] = {}

    def __call__(self, words: list[str]) -> list[str]:
        n = len(words)
        if n not in self._by_length:
            self._by_length[n] = np.random.default_rng(n).permutation(n).tolist()
        return [words[k] for k in self._by_length[n]]


def synth_tickets(n: int, *, seed: int = 0, noise: float = 0.15):
    """Return (titles, descriptions, labels) for ``n`` synthetic tickets.

    Same ``n`` and ``seed``, same tickets. ``noise`` is the share of a
    ticket's topical words drawn from a random category, which keeps accuracy
    below 100% as in real data. Categories are imbalanced 3:1.
    """
    rng = np.random.default_rng(seed)
    topics = [
        (w.split() + _pseudo_words(rng, _TOPIC_WORDS))[:_TOPIC_WORDS] for w in _SEED_WORDS.values()
    ]
    filler = _pseudo_words(rng, 5000)
    # Zipf-like filler frequencies: a few words are everywhere, most are rare.
    zipf = 1.0 / np.arange(1, len(filler) + 1)
    languages = [words.split() for words in _FUNCTION_WORDS.values()]
    class_share = np.linspace(3.0, 1.0, len(CATEGORIES))
    label_idx = rng.choice(len(CATEGORIES), size=n, p=class_share / class_share.sum())
    # Draw every random number up front: per-ticket numpy calls would dominate.
    n_topic, n_filler = rng.integers(4, 12, size=n), rng.integers(15, 60, size=n)
    n_function = rng.integers(5, 20, size=n)
    topic_pos = rng.integers(0, _TOPIC_WORDS, size=n_topic.sum())
    topic_from = np.where(
        rng.random(n_topic.sum()) < noise,
        rng.integers(0, len(CATEGORIES), size=n_topic.sum()),
        np.repeat(label_idx, n_topic),
    )
    # Indices, not strings: a numpy string array would cost ~2 GB at 1,000,000 tickets.
    filler_idx = rng.choice(len(filler), size=n_filler.sum(), p=zipf / zipf.sum()).astype(np.int16)
    function_pos = rng.integers(0, 100, size=n_function.sum())
    orders = rng.integers(100000, 999999, size=n)
    topic_from, topic_pos = topic_from.tolist(), topic_pos.tolist()  # fast scalar access
    shuffle = _Permutations()
    titles, descriptions = [], []
    t = f = w = 0
    for i in range(n):
        topical = [topics[topic_from[k]][topic_pos[k]] for k in range(t, t + n_topic[i])]
        function_words = languages[i % len(languages)]
        body = topical + [filler[k] for k in filler_idx[f : f + n_filler[i]].tolist()]
        body += [
            function_words[k % len(function_words)] for k in function_pos[w : w + n_function[i]]
        ]
        body.append(f"#{orders[i]}")
        t, f, w = t + n_topic[i], f + n_filler[i], w + n_function[i]
        titles.append(" ".join(topical[:3]).capitalize())
        descriptions.append(" ".join(shuffle(body)) + ".")
    return titles, descriptions, [CATEGORIES[k] for k in label_idx]
