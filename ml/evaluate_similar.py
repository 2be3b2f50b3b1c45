"""Do similar tickets share the query's category? Precision at 5, next to baselines.

    python -m ml.evaluate_similar FILE.csv [FILE.csv ...] --title-col subject \\
        --description-col body --label-col queue [--group-col language] [--json]
    python -m ml.evaluate_similar --latency 100000      # in-process latency, synthetic

For each file, stratified k-fold: the tickets of one fold are the queries, the other folds
are the candidates and the training rows, so a query never finds itself and the classifier
never saw it. Reported per file (and per ``--group-col`` value, e.g. language): the share of
each query's top 5 whose category is the query's, for

- chance: the sum of the squared category shares (a random candidate's hit rate);
- plain: scikit-learn's ``TfidfVectorizer()`` with defaults, cosine (the Italian spec's);
- cosine: our index (``ml.similarity``) by cosine alone, as before re-ranking;
- re-ranked: the same index re-weighted by the classifier's category probabilities for
  the query, as the product does (``TicketModel.similar``).

A query with fewer than 5 candidates sharing a term counts its missing places as misses.
``--latency N`` trains on N synthetic tickets (``ml.synthetic``: cost, not accuracy) and
times top-10 queries of new tickets both ways, vectorising included.
"""

import argparse
import csv
import json
import time
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold

from ml.similarity import category_probabilities
from ml.synthetic import synth_tickets
from ml.text import join_ticket_text
from ml.training import train_classifier

TOP = 5
METHODS = ("plain", "cosine", "re-ranked")


def read_rows(path: str, *, title_col: str, description_col: str, label_col: str, group_col):
    """(texts, labels, groups) of the rows that have a label; groups "" without group_col."""
    texts, labels, groups = [], [], []
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row.get(label_col):
                texts.append(join_ticket_text(row[title_col], row[description_col]))
                labels.append(row[label_col])
                groups.append(row.get(group_col, "") if group_col else "")
    return texts, labels, groups


def chance(labels: Sequence[str]) -> float:
    shares = np.array(list(Counter(labels).values()), dtype=float) / len(labels)
    return float((shares**2).sum())


def _plain_top(texts: Sequence[str], train, test) -> np.ndarray:
    """Positions (into train) of each query's top candidates by plain TF-IDF cosine."""
    vectorizer = TfidfVectorizer().fit([texts[i] for i in train])
    candidates = vectorizer.transform([texts[i] for i in train])
    queries = vectorizer.transform([texts[i] for i in test])
    scores = (queries @ candidates.T).toarray()
    # Ties by position, like the index's ties by id.
    return np.argsort(-scores, axis=1, kind="stable")[:, :TOP]


def _fold_hits(texts, y: np.ndarray, train, test, seed: int) -> dict[str, np.ndarray]:
    """Per method, per query of the fold: how many of its top 5 share its category."""
    hits = {}
    top = _plain_top(texts, train, test)
    hits["plain"] = (y[train][top] == y[test][:, None]).sum(axis=1)
    # The product's training (held-out check included), the index over the training rows;
    # ids are positions in the file.
    model = train_classifier(
        [texts[i] for i in train], y[train].tolist(), ids=train.tolist(), seed=seed, n_jobs=1
    ).model
    vectors = model.vectorize([texts[i] for i in test])
    # What the classifier reads: the word block, and a character block if it chose one.
    scoring = model.features([texts[i] for i in test])
    hits["cosine"], hits["re-ranked"] = np.zeros(len(test), int), np.zeros(len(test), int)
    for row, query in enumerate(test):
        vector = vectors[row]
        for name, probabilities in (
            ("cosine", None),
            ("re-ranked", category_probabilities(model, scoring[row])),
        ):
            found = model.index.query(vector, top=TOP, category_probabilities=probabilities)
            hits[name][row] = sum(y[i] == y[query] for i, _ in found)
    return hits


def evaluate_file(
    texts: Sequence[str], labels: Sequence[str], groups: Sequence[str], *, folds: int, seed: int
) -> dict:
    """Precision at 5 of each method, over every ticket as a query once (k-fold)."""
    y = np.asarray(labels, dtype=object)
    hits = {name: np.zeros(len(y), int) for name in METHODS}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(y)), y):
        for name, fold in _fold_hits(texts, y, train, test, seed).items():
            hits[name][test] = fold
    by_group = defaultdict(list)
    for i, group in enumerate(groups):
        by_group[group].append(i)
    parts = {"all": np.arange(len(y))}
    if len(by_group) > 1:
        parts |= {group: np.asarray(rows) for group, rows in sorted(by_group.items())}
    return {
        part: {
            "queries": len(rows),
            "chance": round(chance(y[rows].tolist()), 3),
            **{name: round(float(hits[name][rows].mean() / TOP), 3) for name in METHODS},
        }
        for part, rows in parts.items()
    }


def _percentiles_ms(timings: list[float]) -> dict:
    p50, p95 = np.percentile(timings, [50, 95]) * 1000
    return {"p50_ms": round(float(p50), 2), "p95_ms": round(float(p95), 2)}


def latency(n: int, *, calls: int = 1000, seed: int = 0, n_jobs: int = 2) -> dict:
    """Top-10 similar of new tickets, in process, at ``n`` indexed synthetic tickets."""
    titles, descriptions, labels = synth_tickets(n, seed=seed)
    texts = [join_ticket_text(t, d) for t, d in zip(titles, descriptions, strict=True)]
    del titles, descriptions
    model = train_classifier(texts, labels, ids=range(1, n + 1), seed=seed, n_jobs=n_jobs).model
    del texts
    new_titles, new_descriptions, _ = synth_tickets(calls, seed=seed + 1)
    pairs = list(zip(new_titles, new_descriptions, strict=True))
    cosine, reranked = [], []
    for title, description in pairs:
        started = time.perf_counter()
        model.index.query(model.vectorize([join_ticket_text(title, description)]), top=10)
        cosine.append(time.perf_counter() - started)
        started = time.perf_counter()
        model.similar(title, description, top=10)
        reranked.append(time.perf_counter() - started)
    return {
        "n": n,
        "cosine": _percentiles_ms(cosine),
        "re-ranked": _percentiles_ms(reranked),
        "index_mb": round(model.index.nbytes / 1e6, 1),
        "labels_mb": round(model.index.label_codes.nbytes / 1e6, 1),
    }


def _print_file(path: str, report: dict) -> None:
    print(f"\n{path}: precision at {TOP} (share of the top {TOP} in the query's category)")
    print(f"{'':<8}{'queries':>8}{'chance':>8}" + "".join(f"{m:>11}" for m in METHODS))
    for part, row in report.items():
        figures = "".join(f"{row[m]:>11.3f}" for m in METHODS)
        print(f"{part:<8}{row['queries']:>8}{row['chance']:>8.3f}{figures}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv_files", nargs="*")
    parser.add_argument("--title-col", default="subject")
    parser.add_argument("--description-col", default="body")
    parser.add_argument("--label-col", default="queue")
    parser.add_argument("--group-col", default="language", help="report per value ('' for none)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--latency", type=int, metavar="N", help="time similar at N tickets")
    parser.add_argument("--calls", type=int, default=1000, help="queries timed by --latency")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if not args.csv_files and not args.latency:
        parser.error("give CSV files, --latency N, or both")
    report = {}
    for path in args.csv_files:
        rows = read_rows(
            path,
            title_col=args.title_col,
            description_col=args.description_col,
            label_col=args.label_col,
            group_col=args.group_col,
        )
        report[path] = evaluate_file(*rows, folds=args.folds, seed=args.seed)
        if not args.json:
            _print_file(path, report[path])
    if args.latency:
        report["latency"] = latency(args.latency, calls=args.calls, seed=args.seed)
        if not args.json:
            figures = report["latency"]
            print(f"\nsimilar top 10 at {figures['n']:,} tickets, in process:")
            for name in ("cosine", "re-ranked"):
                p50, p95 = figures[name]["p50_ms"], figures[name]["p95_ms"]
                print(f"  {name:<10} p50 {p50} ms, p95 {p95} ms")
            print(
                f"  index {figures['index_mb']} MB, of which categories {figures['labels_mb']} MB"
            )
    if args.json:
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
