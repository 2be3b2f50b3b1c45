"""Turning ticket text into TF-IDF vectors, shared by the classifier and similarity.

Word unigrams and bigrams are hashed instead of kept in a vocabulary: a
vocabulary of every bigram seen in 1,000,000 tickets costs gigabytes before
any pruning, while hashing is stateless, so the expensive step (folding and
tokenising) runs once per ticket and can be split across processes. With
2**20 buckets the real sample scored the same as with an exact vocabulary.
Character n-grams scored slightly better there but produce seven times as
many non-zeros per ticket, which breaks the memory and similarity latency
budgets long before 1,000,000 tickets.

The TF-IDF weighting is scikit-learn's (smoothed idf, 1 + log tf, unit rows;
a test checks they agree) but done in place and in row blocks, because the
library's version allocates several temporaries the size of the whole matrix,
a gigabyte each at 1,000,000 tickets.
"""

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

from ml.text import fold

N_FEATURES = 2**20
NGRAM_RANGE = (1, 2)
# Character n-grams inside word boundaries: a candidate feature block for the
# classifier only (never the similarity index), hashed into their own buckets.
CHAR_NGRAM_RANGE = (3, 5)
# Below this many texts, starting worker processes costs more than it saves.
_PARALLEL_MIN_TEXTS = 20_000
_CHUNK = 10_000
_BLOCK_ROWS = 50_000


def build_hasher(
    n_features: int = N_FEATURES, ngram_range=NGRAM_RANGE, analyzer: str = "word"
) -> HashingVectorizer:
    """The stateless first stage: fold, tokenise, hash word 1-2 grams (or ``char_wb``
    n-grams) to counts."""
    return HashingVectorizer(
        preprocessor=fold,
        analyzer=analyzer,
        ngram_range=tuple(ngram_range),
        n_features=n_features,
        alternate_sign=False,
        norm=None,
        dtype=np.float32,
    )


def _count_chunk(texts: list[str], analyzer: str = "word") -> sp.csr_matrix:
    if analyzer == "word":
        return build_hasher().transform(texts)
    return build_hasher(ngram_range=CHAR_NGRAM_RANGE, analyzer=analyzer).transform(texts)


def _stack(parts: list[sp.csr_matrix]) -> sp.csr_matrix:
    """Concatenate row blocks, freeing each as it is copied (peak: result + one block)."""
    nnz = sum(part.nnz for part in parts)
    n_columns = parts[0].shape[1]
    # One index type for both arrays, or scipy converts (copies) them.
    index_dtype = np.int32 if nnz < np.iinfo(np.int32).max else np.int64
    data = np.empty(nnz, dtype=np.float32)
    indices = np.empty(nnz, dtype=index_dtype)
    indptr = [np.zeros(1, dtype=index_dtype)]
    n_rows = offset = 0
    for i, part in enumerate(parts):
        data[offset : offset + part.nnz] = part.data
        indices[offset : offset + part.nnz] = part.indices
        indptr.append(part.indptr[1:].astype(index_dtype) + offset)
        offset, n_rows = offset + part.nnz, n_rows + part.shape[0]
        parts[i] = None
    matrix = (data, indices, np.concatenate(indptr))
    return sp.csr_matrix(matrix, shape=(n_rows, n_columns), copy=False)


def hashed_counts(texts: list[str], *, n_jobs: int = 1, analyzer: str = "word") -> sp.csr_matrix:
    """Raw hashed term counts (float32 CSR), one row per text, in input order; word 1-2
    grams, or character n-grams with ``analyzer="char_wb"``."""
    if n_jobs == 1 or len(texts) < _PARALLEL_MIN_TEXTS:
        return _count_chunk(list(texts), analyzer)
    chunks = [texts[i : i + _CHUNK] for i in range(0, len(texts), _CHUNK)]
    parts = Parallel(n_jobs=n_jobs)(delayed(_count_chunk)(chunk, analyzer) for chunk in chunks)
    return _stack(parts)


def _row_blocks(matrix: sp.csr_matrix):
    """Slices of ``matrix.data``/``indices`` covering consecutive blocks of rows."""
    for start in range(0, matrix.shape[0], _BLOCK_ROWS):
        stop = min(start + _BLOCK_ROWS, matrix.shape[0])
        yield slice(matrix.indptr[start], matrix.indptr[stop])


class TicketVectorizer:
    """Folded, hashed word 1-2 grams weighted by sublinear TF-IDF, rows L2-normalised.

    The same fitted object vectorises training rows, incoming tickets and the
    similarity index, so cosine similarity is a plain dot product. It keeps
    only plain arrays, so a saved model does not depend on scikit-learn's
    pickle format.
    """

    def __init__(self) -> None:
        self.n_features = N_FEATURES
        self.ngram_range = NGRAM_RANGE
        self.idf: np.ndarray | None = None

    def fit_counts(self, counts: sp.csr_matrix) -> "TicketVectorizer":
        """Learn the IDF weights from hashed counts of the training rows."""
        df = np.zeros(counts.shape[1], dtype=np.int64)
        for span in _row_blocks(counts):
            df += np.bincount(counts.indices[span], minlength=counts.shape[1])
        # Smoothed like scikit-learn: as if one more document held every term.
        self.idf = (np.log((counts.shape[0] + 1) / (df + 1)) + 1).astype(np.float32)
        return self

    def weight(self, counts: sp.csr_matrix, *, in_place: bool = False) -> sp.csr_matrix:
        """TF-IDF weight hashed counts; float32 CSR with unit-length rows.

        ``in_place`` overwrites ``counts``, which saves a copy of the largest
        matrix in training when the counts are not needed afterwards.
        """
        matrix = counts if in_place else counts.copy()
        for span in _row_blocks(matrix):
            block = matrix.data[span]
            np.log(block, out=block)
            block += 1.0
            block *= self.idf[matrix.indices[span]]
        return normalize(matrix, copy=False)

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        """Vectorise raw ticket texts (folding happens inside the hasher)."""
        counts = build_hasher(self.n_features, self.ngram_range).transform(list(texts))
        return self.weight(counts, in_place=True)


class CharVectorizer(TicketVectorizer):
    """The same weighting over hashed character n-grams within words (``char_wb``).

    Only a classifier candidate uses it: it costs several times the word block's non-zeros
    per ticket, so the similarity index never does (see the module docstring).
    """

    def __init__(self) -> None:
        super().__init__()
        self.ngram_range = CHAR_NGRAM_RANGE

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        hasher = build_hasher(self.n_features, self.ngram_range, analyzer="char_wb")
        return self.weight(hasher.transform(list(texts)), in_place=True)
