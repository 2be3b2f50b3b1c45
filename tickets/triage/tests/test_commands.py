"""The operator commands of the model: `train` and `classify`."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tickets.models import ClassifierModel, Ticket
from tickets.tests.factories import TicketFactory
from tickets.triage.tests.helpers import BILLING_TITLE, active_versions, artifact_path

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()]


# train


def test_train_prints_the_model_as_json_and_activates_it(history):
    result = json.loads(run("train", "--json", "--test-size", "0.3"))

    assert result["n_samples"] == history
    assert result["n_classes"] == 5
    assert result["active"] is True
    assert active_versions() == [result["version"]]
    record = ClassifierModel.objects.get(version=result["version"])
    assert result["model_path"] == str(artifact_path(record))
    assert artifact_path(record).is_file()
    assert record.params["test_size"] == 0.3
    assert {"accuracy", "macro_f1", "per_class", "confusion"} <= set(result["metrics"])


def test_train_without_activating_keeps_the_active_model(trained_model):
    result = json.loads(run("train", "--json", "--no-activate", "--seed", "3"))

    assert result["active"] is False
    assert active_versions() == [trained_model.version]


def test_train_if_none_active_does_nothing_when_one_is(trained_model):
    output = run("train", "--if-none-active")

    assert "already active" in output
    assert ClassifierModel.objects.count() == 1


def test_train_reports_metrics_and_the_seed_comparison(history):
    output = run("train", "--compare-seed")

    assert "accuracy" in output and "macro-F1" in output
    for name in ("seed", "ours"):
        [line] = [row for row in output.splitlines() if row.strip().startswith(f"{name} ")]
        assert "accuracy" in line
    [version] = active_versions()
    assert f"Model {version} trained" in output


def test_train_refuses_a_single_category(catalogue):
    TicketFactory.create_batch(20, category=catalogue["billing"])

    with pytest.raises(CommandError, match="at least 2 categories"):
        run("train")
    assert not ClassifierModel.objects.exists()


def test_train_refuses_too_few_tickets(catalogue):
    for slug in ("billing", "bug"):
        TicketFactory.create_batch(3, category=catalogue[slug])

    with pytest.raises(CommandError, match="at least 10 labelled tickets, got 6"):
        run("train", "--min-per-class", "2")


@pytest.mark.parametrize(
    ("option", "value"), [("--test-size", "0.9"), ("--test-size", "0"), ("--min-per-class", "1")]
)
def test_train_refuses_options_out_of_range(history, option, value):
    with pytest.raises(CommandError, match=option):
        run("train", option, value)
    assert not ClassifierModel.objects.exists()


# classify


def test_classify_prints_the_keyword_decision_without_a_model(catalogue):
    output = run("classify", "Facture impayée")

    assert output.split() == ["billing", "1.00", "keywords", "Facture", "impayée"]
    assert not Ticket.objects.exists()


def test_classify_json_names_the_model_and_its_version(trained_model):
    [row] = json_lines(run("classify", BILLING_TITLE, "--json"))

    assert row["category"] == "billing"
    assert row["department"] == "billing"
    assert row["classified_by"] == "model"
    assert row["model_version"] == trained_model.version
    assert 0.5 <= row["confidence"] <= 1.0


def test_classify_reads_a_csv_with_multi_line_fields(tmp_path, catalogue):
    path = tmp_path / "tickets.csv"
    path.write_text(
        "subject,body\n"
        '"Facture impayée","Bonjour,\nma facture de mars\nest impayée."\n'
        '"Crash","It crashes\non startup"\n'
        '"Zorglub","Blorp, wibble."\n',
        encoding="utf-8",
    )

    output = run(
        "classify", "--file", str(path), "--title-col", "subject", "--description-col", "body"
    )
    json_output = run(
        "classify", "--file", str(path), "--title-col=subject", "--description-col=body", "--json"
    )

    assert [line.split()[:3] for line in output.splitlines()] == [
        ["billing", "1.00", "keywords"],
        ["bug", "1.00", "keywords"],
        ["-", "0.00", "none"],
    ]
    rows = json_lines(json_output)
    assert [(r["title"], r["category"], r["classified_by"]) for r in rows] == [
        ("Facture impayée", "billing", "keywords"),
        ("Crash", "bug", "keywords"),
        ("Zorglub", None, "none"),
    ]
    assert rows[2]["department"] == "general"


def test_classify_reads_json_lines(tmp_path, catalogue):
    path = tmp_path / "tickets.jsonl"
    lines = [
        {"title": "Mot de passe oublié", "description": "Je ne peux plus me connecter."},
        {"title": "Dark mode", "description": "Please add a dark mode."},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n", encoding="utf-8")

    rows = json_lines(run("classify", "--file", str(path), "--json"))

    assert [r["category"] for r in rows] == ["account", "feature"]


def test_classify_names_a_missing_column(tmp_path, catalogue):
    path = tmp_path / "tickets.csv"
    path.write_text("title,body\nFacture,impayée\n", encoding="utf-8")

    with pytest.raises(CommandError, match="Missing column.*description"):
        run("classify", "--file", str(path))


def test_classify_needs_a_text_or_a_file(catalogue):
    with pytest.raises(CommandError, match="either a TEXT or --file"):
        run("classify")


def test_classify_refuses_a_file_that_is_not_utf8(tmp_path, catalogue):
    path = tmp_path / "latin1.csv"
    path.write_bytes("title,description\nFacture impayée,Merci\n".encode("latin-1"))

    with pytest.raises(CommandError, match="UTF-8"):
        run("classify", "--file", str(path))


def test_classify_names_a_json_line_that_is_not_an_object(tmp_path, catalogue):
    path = tmp_path / "tickets.jsonl"
    path.write_text('{"title": "Facture impayée"}\n["not", "an", "object"]\n', encoding="utf-8")

    with pytest.raises(CommandError, match="line 2"):
        run("classify", "--file", str(path), "--json")
