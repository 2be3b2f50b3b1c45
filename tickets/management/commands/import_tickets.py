from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tickets.importing import ImportColumns, RowError, tickets_import
from tickets.models import TicketStatus


class Command(BaseCommand):
    help = (
        "Import historical tickets from a UTF-8 CSV file (quoted multi-line fields allowed). "
        "Bad rows are reported with their line number and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file with a header row.")
        parser.add_argument("--title-col", required=True)
        parser.add_argument("--description-col", required=True)
        parser.add_argument("--category-col", help="Category label: slug or name.")
        parser.add_argument("--priority-col", help="low / medium / high / urgent.")
        parser.add_argument("--created-at-col", help="ISO date/time the ticket was opened.")
        parser.add_argument("--resolved-at-col", help="ISO date/time it was resolved.")
        parser.add_argument("--status", default=TicketStatus.RESOLVED, choices=TicketStatus.values)
        parser.add_argument(
            "--create-categories",
            action="store_true",
            help="Unknown labels become categories in the General department.",
        )
        parser.add_argument("--batch", type=int, default=1000, help="Rows per INSERT (1000).")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1.")
        columns = ImportColumns(
            title=options["title_col"],
            description=options["description_col"],
            category=options["category_col"],
            priority=options["priority_col"],
            created_at=options["created_at_col"],
            resolved_at=options["resolved_at_col"],
        )
        with path.open(encoding="utf-8-sig", newline="") as handle:
            try:
                report = tickets_import(
                    handle,
                    columns=columns,
                    status=options["status"],
                    create_categories=options["create_categories"],
                    batch=options["batch"],
                    progress=lambda n: self.stdout.write(f"  {n:,} imported"),
                )
            except RowError as error:
                raise CommandError(str(error)) from None
            except UnicodeDecodeError as error:
                raise CommandError(f"The file is not UTF-8: {error}") from None
        for line, message in report.errors:
            self.stderr.write(f"line {line}: {message} (skipped)")
        if report.created_categories:
            self.stdout.write(
                "New categories in General (map them in the admin): "
                + ", ".join(report.created_categories)
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {report.imported:,} tickets; skipped {len(report.errors):,} bad rows."
            )
        )
