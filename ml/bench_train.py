"""Benchmark: training time, prediction and similarity latency, peak memory.

    python -m ml.bench_train --n 100000

Tickets are synthetic (ml.synthetic), so the numbers measure cost, not
accuracy. Prints a table, then the same figures as one JSON line. Peak RSS is
this process's, inputs included; the two hashing worker processes add about
120 MB each (not measurable here: a child inherits its parent's ru_maxrss).
"""

import argparse
import json
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from joblib.externals.loky import get_reusable_executor

from ml.artifacts import load_artifact, save_artifact
from ml.synthetic import synth_tickets
from ml.text import join_ticket_text
from ml.training import train_classifier


def _latency_ms(call, arguments) -> dict:
    timings = []
    for args in arguments:
        started = time.perf_counter()
        call(*args)
        timings.append(time.perf_counter() - started)
    p50, p95 = np.percentile(timings, [50, 95]) * 1000
    return {"p50_ms": round(float(p50), 3), "p95_ms": round(float(p95), 3)}


def _cpu_seconds() -> float:
    """CPU time of this process and its reaped children (the hashing workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peak_rss_mb() -> float:
    # Linux reports kilobytes.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run(n: int, *, seed: int = 0, n_jobs: int = 2, calls: int = 1000) -> dict:
    """Train on ``n`` synthetic tickets and time the operations the app performs."""
    titles, descriptions, labels = synth_tickets(n, seed=seed)
    texts = [join_ticket_text(t, d) for t, d in zip(titles, descriptions, strict=True)]
    # The app holds only the joined texts (built from a queryset), not both.
    del titles, descriptions
    ids = list(range(1, n + 1))
    cpu_before = _cpu_seconds()
    result = train_classifier(texts, labels, ids=ids, seed=seed, n_jobs=n_jobs)
    # Stopping the workers reaps them, so their CPU time is counted.
    get_reusable_executor().shutdown(wait=True)
    training_cpu = _cpu_seconds() - cpu_before
    model = result.model
    rss_after_training = _peak_rss_mb()

    # New tickets, not the training rows, as in production.
    new_titles, new_descriptions, _ = synth_tickets(calls, seed=seed + 1)
    pairs = list(zip(new_titles, new_descriptions, strict=True))
    predict = _latency_ms(model.predict, pairs)
    similar = _latency_ms(lambda t, d: model.similar(t, d, top=10, exclude_ids=(1,)), pairs)

    with tempfile.TemporaryDirectory() as directory:
        key = secrets.token_bytes(32)  # a throwaway signing key: save signs, load verifies
        started = time.perf_counter()
        info = save_artifact(model, Path(directory), version="bench", metadata={}, key=key)
        saved = time.perf_counter() - started
        started = time.perf_counter()
        load_artifact(
            Path(directory),
            info.filename,
            info.sha256,
            version="bench",
            signature=info.signature,
            key=key,
        )
        loaded = time.perf_counter() - started

    return {
        "n": n,
        "n_jobs": n_jobs,
        "training_seconds": round(result.training_seconds, 2),
        "phase_seconds": result.phase_seconds,
        # Wall time depends on what else the machine runs; CPU time much less.
        "training_cpu_seconds": round(training_cpu, 2),
        "held_out_accuracy": round(result.metrics["accuracy"], 4),
        "held_out_macro_f1": round(result.metrics["macro_f1"], 4),
        "predict": predict,
        "similar_top10": similar,
        "index_mb": round(model.index.nbytes / 1e6, 1),
        "artifact_mb": round(info.size / 1e6, 1),
        "save_seconds": round(saved, 2),
        "load_seconds": round(loaded, 2),
        "peak_rss_mb_after_training": rss_after_training,
        "peak_rss_mb": _peak_rss_mb(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of synthetic tickets")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--calls", type=int, default=1000, help="predict/similar calls timed")
    args = parser.parse_args(argv)
    figures = run(args.n, seed=args.seed, n_jobs=args.n_jobs, calls=args.calls)
    for key, value in figures.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        print(f"{key:<28} {value}")
    print(json.dumps(figures), file=sys.stdout)


if __name__ == "__main__":
    main()
