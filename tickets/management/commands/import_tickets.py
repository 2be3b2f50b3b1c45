from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tickets.importing import (
    BadRowsError,
    ImportColumns,
    ImportFailed,
    RowError,
    import_encoding,
    tickets_import,
)
from tickets.models import TicketStatus


class Command(BaseCommand):
    help = (
        "Import historical tickets from a CSV file (quoted multi-line fields allowed). "
        "The whole file is checked before anything is written: a file that cannot be read "
        "imports nothing. Bad rows (an impossible or out-of-range date, a field too long, an "
        "unknown category or priority...) are reported on stderr with their line number and "
        "skipped, or with --strict make the command import nothing and fail. Rows without "
        "their dates are stamped now and marked undated history, which the analytics leave "
        "out."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file with a header row.")
        parser.add_argument("--title-col", required=True)
        parser.add_argument("--description-col", required=True)
        parser.add_argument("--category-col", help="Category label: slug or name.")
        parser.add_argument("--priority-col", help="low / medium / high / urgent.")
        parser.add_argument(
            "--created-at-col",
            help="ISO date/time the ticket was opened (1970-01-01 to now + 1 day). Without "
            "it, or where a row leaves it empty, the ticket is undated history.",
        )
        parser.add_argument(
            "--resolved-at-col",
            help="ISO date/time it was resolved (not before it was opened). Without it, "
            "resolved and closed tickets are undated history.",
        )
        parser.add_argument("--status", default=TicketStatus.RESOLVED, choices=TicketStatus.values)
        parser.add_argument(
            "--create-categories",
            action="store_true",
            help="Unknown labels become categories in the General department.",
        )
        parser.add_argument(
            "--batch", type=int, default=1000, help="Rows per INSERT, each committed (1000)."
        )
        parser.add_argument(
            "--encoding",
            default="utf-8",
            help="Encoding of the file (utf-8, with or without a byte-order mark; e.g. cp1252, "
            "latin-1, utf-16).",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="All or nothing: if any row is bad, import none and exit with an error "
            "(the bad rows are listed). Without it, the good rows are imported.",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1.")
        try:
            encoding = import_encoding(options["encoding"])
        except ValueError as error:
            raise CommandError(f"--encoding: {error}.") from None
        columns = ImportColumns(
            title=options["title_col"],
            description=options["description_col"],
            category=options["category_col"],
            priority=options["priority_col"],
            created_at=options["created_at_col"],
            resolved_at=options["resolved_at_col"],
        )
        try:
            report = tickets_import(
                path,
                columns=columns,
                encoding=encoding,
                status=options["status"],
                create_categories=options["create_categories"],
                strict=options["strict"],
                batch=options["batch"],
                progress=lambda n: self.stdout.write(f"  {n:,} imported"),
            )
        except BadRowsError as error:
            self._bad_rows(error.report, suffix="")
            raise CommandError(str(error)) from None
        except (RowError, ImportFailed) as error:
            raise CommandError(str(error)) from None
        except UnicodeDecodeError as error:
            name = "UTF-8" if encoding == "utf-8-sig" else encoding
            raise CommandError(
                f"The file is not {name}: {error}. Nothing imported; give its encoding with "
                "--encoding (e.g. --encoding=cp1252)."
            ) from None
        self._bad_rows(report, suffix=" (skipped)")
        if report.created_categories:
            self.stdout.write(
                "New categories in General (map them in the admin): "
                + ", ".join(report.created_categories)
            )
        if report.undated:
            self.stdout.write(
                f"Marked {report.undated:,} tickets as undated history (no date in the file:"
                " stamped now); the analytics leave them out."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {report.imported:,} tickets; skipped {len(report.errors):,} bad rows."
            )
        )

    def _bad_rows(self, report, *, suffix: str) -> None:
        for line, message in report.errors:
            self.stderr.write(f"line {line}: {message}{suffix}")
