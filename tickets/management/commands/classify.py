import csv
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tickets.triage.classification import ticket_triage


class Command(BaseCommand):
    help = (
        "Print the triage chain's decision (category, confidence, classified_by) for a text or "
        "for each row of a CSV/JSONL file, without creating anything."
    )

    def add_arguments(self, parser):
        parser.add_argument("text", nargs="?", help="A ticket's text (used as its title).")
        parser.add_argument("--file", help="A .csv (with a header) or .jsonl file.")
        parser.add_argument("--title-col", default="title")
        parser.add_argument("--description-col", default="description")
        parser.add_argument("--json", action="store_true", help="One JSON object per line.")
        parser.add_argument(
            "--why",
            action="store_true",
            help="Under each decision, the keywords matched or the model's strongest terms "
            "(always in --json's explanation).",
        )

    def handle(self, *args, text, file, title_col, description_col, **options):
        if bool(text) == bool(file):
            raise CommandError("Give either a TEXT or --file, not both or neither.")
        inputs = [(text, "")] if text else self._read(Path(file), title_col, description_col)
        try:
            for title, description in inputs:
                self._classify(title, description, as_json=options["json"], why=options["why"])
        except UnicodeDecodeError as error:
            raise CommandError(f"The file is not UTF-8: {error}") from None

    def _classify(self, title: str, description: str, *, as_json: bool, why: bool) -> None:
        decision = ticket_triage(title=title, description=description)
        row = {
            "title": title[:200],
            "category": decision.category.slug if decision.category else None,
            "department": decision.category.department.slug if decision.category else "general",
            "confidence": round(decision.prediction.confidence, 4),
            "classified_by": decision.prediction.source,
            "model_version": decision.prediction.model_version,
            "explanation": decision.prediction.explanation,
        }
        if as_json:
            self.stdout.write(json.dumps(row, ensure_ascii=False))
        else:
            self.stdout.write(
                f"{row['category'] or '-':<16} {row['confidence']:.2f}  "
                f"{row['classified_by']:<9} {row['title'][:70]}"
            )
            reason = _why(row["explanation"]) if why else ""
            if reason:
                self.stdout.write(f"{'':<16}       why: {reason}")

    def _read(self, path: Path, title_col: str, description_col: str):
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            if path.suffix.lower() == ".jsonl":
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    try:
                        item = json.loads(line)
                    except json.JSONDecodeError as error:
                        raise CommandError(f"line {number}: invalid JSON ({error.msg})") from None
                    if not isinstance(item, dict):
                        raise CommandError(f"line {number}: expected a JSON object")
                    yield str(item.get(title_col) or ""), str(item.get(description_col) or "")
            else:
                reader = csv.DictReader(handle)
                missing = {title_col, description_col} - set(reader.fieldnames or [])
                if missing:
                    raise CommandError(f"Missing column(s): {', '.join(sorted(missing))}")
                for row in reader:
                    yield row[title_col] or "", row[description_col] or ""


def _why(explanation: dict) -> str:
    """One line: the keywords matched, or the model's strongest terms."""
    if "keywords" in explanation:
        return "keywords " + ", ".join(explanation["keywords"])
    terms = ", ".join(f"{t['term']} {t['weight']:+.2f}" for t in explanation.get("terms", []))
    return f"terms {terms}" if terms else ""
