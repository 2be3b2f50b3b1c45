"""Text normalisation shared by the keyword classifier and the trained model."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip accents and collapse punctuation to single spaces.

    "Facture IMPAYÉE !" and "facture impayee" fold to the same string, which is
    what makes the keyword rules and the TF-IDF features accent-insensitive.
    NUL bytes and other control characters become spaces.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # "ß" casefolds to "ss"; the underscore is a word character we do not want.
    words = _NON_WORD.sub(" ", stripped).replace("_", " ")
    return _SPACES.sub(" ", words).strip()


def join_ticket_text(title: str, description: str) -> str:
    """The single text a classifier sees for a ticket: title, then description."""
    return f"{title or ''}\n{description or ''}".strip()
