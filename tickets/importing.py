"""Bulk import of historical tickets from a CSV file, so a team can train on its own history."""

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify

from tickets.models import Category, ClassifiedBy, Priority, Ticket, TicketStatus
from tickets.services import department_general

PRIORITY_ALIASES = {"critical": "URGENT", "normal": "MEDIUM", "urgent": "URGENT"}


@dataclass
class ImportColumns:
    title: str
    description: str
    category: str | None = None
    priority: str | None = None
    created_at: str | None = None
    resolved_at: str | None = None


@dataclass
class ImportReport:
    imported: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    created_categories: list[str] = field(default_factory=list)


class RowError(ValueError):
    pass


def _timestamp(value: str, column: str) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None and (day := parse_date(value)) is not None:
        parsed = datetime(day.year, day.month, day.day)
    if parsed is None:
        raise RowError(f"{column}: not a date/time: {value[:40]!r}")
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


class _CategoryResolver:
    """Maps a label to a category by slug or name; with create=True unknown labels become
    categories in the General department, until an admin maps them elsewhere."""

    def __init__(self, *, create: bool, report: ImportReport):
        self.create = create
        self.report = report
        self.by_key = {}
        for category in Category.objects.all():
            self.by_key[category.slug] = category
            self.by_key[category.name.casefold()] = category

    def __call__(self, label: str) -> Category:
        slug = slugify(label)[:50]
        category = self.by_key.get(slug) or self.by_key.get(label.casefold())
        if category is not None:
            return category
        if not self.create or not slug:
            raise RowError(f"unknown category {label!r} (use --create-categories)")
        category = Category.objects.create(
            slug=slug, name=label[:100], department=department_general()
        )
        self.by_key[slug] = self.by_key[label.casefold()] = category
        self.report.created_categories.append(slug)
        return category


def _rows(handle, columns: ImportColumns) -> Iterator[tuple[int, dict]]:
    reader = csv.DictReader(handle)
    wanted = {c for c in vars(columns).values() if c}
    missing = wanted - set(reader.fieldnames or [])
    if missing:
        raise RowError(f"missing column(s): {', '.join(sorted(missing))}")
    for row in reader:
        # The reader skips blank lines, so count back from where the record ended.
        newlines = sum(v.count("\n") for v in row.values() if isinstance(v, str))
        yield reader.line_num - newlines, row


def tickets_import(
    handle,
    *,
    columns: ImportColumns,
    status: str = TicketStatus.RESOLVED,
    create_categories: bool = False,
    batch: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import every valid row in one transaction; each bad row is reported with its line
    number and skipped.

    Imported tickets are history: classified_by=manual when labelled, no assignee, no
    events. Without timestamp columns they are dated now.
    """
    report = ImportReport()
    resolve = _CategoryResolver(create=create_categories, report=report)
    general = department_general()
    now = timezone.now()
    pending: list[Ticket] = []

    def flush() -> None:
        Ticket.objects.bulk_create(pending)
        report.imported += len(pending)
        pending.clear()
        if progress:
            progress(report.imported)

    # All or nothing: a file that breaks halfway (bad encoding, missing column) leaves no
    # partial import behind; single bad rows are reported and skipped.
    with transaction.atomic():
        for line, row in _rows(handle, columns):
            try:
                pending.append(
                    _ticket(row, columns, resolve, status=status, general=general, now=now)
                )
            except RowError as error:
                report.errors.append((line, str(error)))
            if len(pending) >= batch:
                flush()
        if pending:
            flush()
    return report


def _ticket(row, columns, resolve, *, status, general, now) -> Ticket:
    description = (row.get(columns.description) or "").replace("\x00", "").strip()
    if not description:
        raise RowError(f"{columns.description}: empty")
    if len(description) > 20_000:
        raise RowError(f"{columns.description}: longer than 20,000 characters")
    title = (row.get(columns.title) or "").replace("\x00", "").strip()
    # Historical tickets sometimes have no subject: use the start of the message.
    title = (title or description.splitlines()[0])[:200]
    category = None
    if columns.category and (label := (row.get(columns.category) or "").strip()):
        category = resolve(label)
    priority = Priority.MEDIUM
    if columns.priority and (value := (row.get(columns.priority) or "").strip()):
        name = PRIORITY_ALIASES.get(value.casefold(), value.upper())
        if name not in Priority.names:
            raise RowError(f"{columns.priority}: unknown priority {value!r}")
        priority = Priority[name]
    created_at = _timestamp(row.get(columns.created_at or "", ""), "created_at") or now
    resolved_at = None
    if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        resolved_at = _timestamp(row.get(columns.resolved_at or "", ""), "resolved_at") or now
        if resolved_at < created_at:
            raise RowError("resolved_at is before created_at")
    return Ticket(
        title=title,
        description=description,
        status=status,
        priority=priority,
        category=category,
        department_id=category.department_id if category else general.pk,
        created_at=created_at,
        resolved_at=resolved_at,
        classified_by=ClassifiedBy.MANUAL if category else ClassifiedBy.NONE,
    )
