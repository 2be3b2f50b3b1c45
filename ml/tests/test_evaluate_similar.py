import csv
import json

import pytest

from ml import evaluate_similar

WORDS = {
    "billing": ["invoice", "refund", "charge", "card", "payment", "price"],
    "network": ["vpn", "wifi", "router", "cable", "gateway", "dns"],
}


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["subject", "body", "queue", "language"])
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def separable_csv(tmp_path):
    """Two categories with disjoint words, each ticket sharing its category's first word."""
    rows = []
    for label, words in WORDS.items():
        for i in range(12):
            rows.append(
                {
                    "subject": f"{words[0]} {words[1 + i % 5]}",
                    "body": f"{words[0]} {words[1 + (i + 2) % 5]} issue",
                    "queue": label,
                    "language": "en" if i % 2 else "de",
                }
            )
    rows.append({"subject": "unlabelled", "body": "skipped", "queue": "", "language": "en"})
    path = tmp_path / "tickets.csv"
    write_csv(path, rows)
    return path


def test_precision_at_5_per_method_and_language(separable_csv, capsys):
    evaluate_similar.main([str(separable_csv), "--folds", "3", "--json"])

    report = json.loads(capsys.readouterr().out)[str(separable_csv)]
    assert set(report) == {"all", "de", "en"}
    assert report["all"]["queries"] == 24  # the unlabelled row is skipped
    assert report["all"]["chance"] == 0.5
    for method in evaluate_similar.METHODS:
        # Every same-category candidate shares a word, no other one does: all hits.
        assert report["all"][method] == 1.0, method


def test_the_text_report_without_groups(separable_csv, capsys):
    evaluate_similar.main([str(separable_csv), "--folds", "3", "--group-col", ""])

    lines = capsys.readouterr().out.strip().splitlines()
    assert "precision at 5" in lines[0]
    assert lines[1].split() == ["queries", "chance", "plain", "cosine", "re-ranked"]
    assert lines[2].split() == ["all", "24", "0.500", "1.000", "1.000", "1.000"]
    assert len(lines) == 3  # no per-language rows


def test_chance_is_the_sum_of_squared_shares():
    assert evaluate_similar.chance(["a", "a", "a", "b"]) == pytest.approx(0.75**2 + 0.25**2)
