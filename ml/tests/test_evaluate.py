import csv
import json

import pytest

from ml import evaluate
from ml.training import TrainingError


def test_compare_with_seed_scores_both_on_the_same_split(tickets):
    texts, labels, _ = tickets
    report = evaluate.compare_with_seed(texts, labels, test_size=0.25, seed=3)
    assert report["split"] == {"test_size": 0.25, "seed": 3, "n_train": 600, "n_test": 200}
    for name in ("seed", "previous", "ours"):
        assert 0.0 <= report[name]["macro_f1"] <= report[name]["accuracy"] + 0.2
        assert report[name]["config"]
        assert 0.0 <= report[name]["cv"]["mean"] <= 1.0
    # Both learn the synthetic categories; ours must not be the weaker one.
    assert report["seed"]["accuracy"] > 0.5
    assert report["ours"]["macro_f1"] >= report["seed"]["macro_f1"] - 0.02
    curve = report["ours"]["threshold_curve"]
    assert curve[0]["coverage"] == 1.0
    assert curve[0]["accuracy"] == pytest.approx(report["ours"]["accuracy"])


def test_compare_with_seed_refuses_single_ticket_categories(tickets):
    texts, labels, _ = tickets
    with pytest.raises(TrainingError, match="too rare"):
        evaluate.compare_with_seed([*texts, "x"], [*labels, "lonely"])


def test_cli_reads_a_csv_and_prints_json(tickets, tmp_path, capsys):
    texts, labels, _ = tickets
    path = tmp_path / "tickets.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["subject", "body", "queue"])
        for text, label in zip(texts, labels, strict=True):
            title, _, body = text.partition("\n")
            writer.writerow([title, body, label])
        writer.writerow(["no label", "skipped", ""])
    evaluate.main([str(path), "--title-col", "subject", "--description-col", "body",
                   "--label-col", "queue", "--json"])  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert report["split"]["n_train"] + report["split"]["n_test"] == len(texts)
    assert set(report) == {"split", "seed", "previous", "ours"}


def test_cli_table_shows_both_configurations(tickets, tmp_path, capsys, monkeypatch):
    texts, labels, _ = tickets
    monkeypatch.setattr(evaluate, "read_csv", lambda *args: (texts, labels))
    evaluate.main(["unused.csv"])
    out = capsys.readouterr().out
    assert "seed" in out and "previous" in out and "ours" in out and "reliability" in out
