from ml import bench_train
from ml.synthetic import CATEGORIES, synth_tickets


def test_synthetic_tickets_are_deterministic_and_cover_every_category():
    first, second = synth_tickets(300, seed=4), synth_tickets(300, seed=4)
    assert first == second
    assert synth_tickets(300, seed=5) != first
    titles, descriptions, labels = first
    assert len(titles) == len(descriptions) == len(labels) == 300
    assert set(labels) == set(CATEGORIES)


def test_benchmark_runs_end_to_end_on_a_small_corpus():
    # A smoke test: the figures are only meaningful at --n 100000 and above.
    figures = bench_train.run(1500, calls=20, n_jobs=1)
    assert figures["n"] == 1500
    assert figures["held_out_accuracy"] > 0.5
    assert figures["predict"]["p95_ms"] >= figures["predict"]["p50_ms"] > 0
    assert figures["artifact_mb"] > 0 and figures["peak_rss_mb"] > 0
