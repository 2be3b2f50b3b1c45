"""Bulk import of historical tickets from a CSV file, so a team can train on its own history.

Two passes over the file. The first reads and checks every row and writes nothing, so a file
that breaks halfway (wrong encoding, a field no CSV reader can delimit), or with strict=True a
single bad row, imports nothing. The second inserts the good rows in batches, each committed
on its own, so the progress reported only ever counts tickets that are in the database.
"""

import codecs
import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify

from tickets.models import Category, ClassifiedBy, Priority, Ticket, TicketStatus
from tickets.services import department_general
from tickets.sla.services import sla_history_set

CLOSED_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
PRIORITY_ALIASES = {"critical": "URGENT", "normal": "MEDIUM", "urgent": "URGENT"}

# The sane range of an imported date: nothing before 1970 (dates such as 0001-01-01 turn
# into years before 1 on PostgreSQL, which no Python datetime can read back), nothing more
# than a day ahead (a day covers any time zone's idea of "today").
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
AHEAD = timedelta(days=1)

# The csv module refuses fields over 128 KiB (a crash mid-file). Far above any valid field
# (a description is at most 20,000 characters), so that a long field is read whole and
# reported as a bad row; only a field beyond this, a file no reader can delimit any more
# (an unclosed quote), stops the import.
FIELD_SIZE_LIMIT = 16 * 1024 * 1024

TITLE_MAX = Ticket._meta.get_field("title").max_length
DESCRIPTION_MAX = Ticket._meta.get_field("description").max_length


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
    undated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    created_categories: list[str] = field(default_factory=list)


class RowError(ValueError):
    """One row is refused: it is reported with its line number and skipped."""


class ImportFailed(Exception):
    """The file as a whole is refused (nothing imported), or the import stopped."""


class BadRowsError(ImportFailed):
    """strict=True and some rows are bad: nothing imported; the report lists them."""

    def __init__(self, report: ImportReport):
        super().__init__(f"{len(report.errors):,} bad rows: nothing imported (--strict).")
        self.report = report


def import_encoding(name: str) -> str:
    """The codec to read the file with; UTF-8 skips a byte-order mark. ValueError if unknown."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise ValueError(f"unknown encoding {name!r}") from None
    return "utf-8-sig" if codec == "utf-8" else codec


def _timestamp(value: str, column: str, *, latest: datetime) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    shown = repr(value[:40])
    try:
        parsed = parse_datetime(value)
        if parsed is None and (day := parse_date(value)) is not None:
            parsed = datetime(day.year, day.month, day.day)
    except ValueError as error:  # well formed but impossible: 2026-02-30, +25:00
        reason = "UTC offset beyond ±24:00" if "offset" in str(error) else str(error)
        raise RowError(f"{column}: not a valid date/time: {shown} ({reason})") from None
    if parsed is None:
        raise RowError(f"{column}: not a date/time: {shown}")
    try:
        aware = timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
        in_range = EARLIEST <= aware <= latest
    except (OverflowError, ValueError):
        in_range = False
    if not in_range:
        raise RowError(f"{column}: {shown} is outside 1970-01-01 .. {latest:%Y-%m-%d %H:%M} UTC")
    return aware


class _CategoryResolver:
    """Maps a label to a category by slug or name; with create=True unknown labels become
    categories in the General department, until an admin maps them elsewhere. With
    dry_run=True (the checking pass) nothing is created and such labels resolve to None."""

    def __init__(self, *, create: bool, report: ImportReport, dry_run: bool = False):
        self.create = create
        self.dry_run = dry_run
        self.report = report
        self.by_key = {}
        for category in Category.objects.all():
            self.by_key[category.slug] = category
            self.by_key[category.name.casefold()] = category

    def __call__(self, label: str) -> Category | None:
        slug = slugify(label)[:50]
        category = self.by_key.get(slug) or self.by_key.get(label.casefold())
        if category is not None:
            return category
        if not self.create or not slug:
            raise RowError(f"unknown category {label!r} (use --create-categories)")
        if self.dry_run:
            return None
        category = Category.objects.create(
            slug=slug, name=label[:100], department=department_general()
        )
        self.by_key[slug] = self.by_key[label.casefold()] = category
        self.report.created_categories.append(slug)
        return category


def _rows(path: Path, encoding: str, columns: ImportColumns) -> Iterator[tuple[int, int, dict]]:
    """(first line, last line, row) of each record; ImportFailed when the file breaks."""
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.DictReader(handle)
        try:
            wanted = {c for c in vars(columns).values() if c}
            missing = wanted - set(reader.fieldnames or [])
            if missing:
                raise RowError(f"missing column(s): {', '.join(sorted(missing))}")
            for row in reader:
                # The reader skips blank lines, so count back from where the record ended.
                newlines = sum(v.count("\n") for v in row.values() if isinstance(v, str))
                yield reader.line_num - newlines, reader.line_num, row
        except csv.Error as error:
            raise ImportFailed(
                f"line {reader.line_num}: the file cannot be read as CSV any further ({error};"
                " an unclosed quote?): nothing imported."
            ) from None


def tickets_import(
    path: Path,
    *,
    columns: ImportColumns,
    encoding: str = "utf-8-sig",
    status: str = TicketStatus.RESOLVED,
    create_categories: bool = False,
    strict: bool = False,
    batch: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import every valid row; each bad row is reported with its line number and skipped
    (with strict=True, any bad row makes it import nothing: BadRowsError).

    Imported tickets are history: classified_by=manual when labelled, no assignee, no
    events. A row without the dates the file should give (created_at; resolved_at for
    resolved or closed tickets) is stamped now and marked undated history, which the
    analytics leave out. Raises ImportFailed when the file cannot be read (nothing imported)
    or the database refuses a batch (the batches before it stay imported).
    """
    previous_limit = csv.field_size_limit(FIELD_SIZE_LIMIT)
    try:
        return _import(
            path,
            columns=columns,
            encoding=encoding,
            status=status,
            create_categories=create_categories,
            strict=strict,
            batch=batch,
            progress=progress,
        )
    finally:
        csv.field_size_limit(previous_limit)


def _import(path, *, columns, encoding, status, create_categories, strict, batch, progress):
    report = ImportReport()
    general = department_general()
    now = timezone.now()
    options = {"status": status, "general": general, "now": now, "latest": now + AHEAD}

    check = _CategoryResolver(create=create_categories, report=report, dry_run=True)
    bad_lines = set()
    for line, end, row in _rows(path, encoding, columns):
        try:
            _ticket(row, columns, check, **options)
        except RowError as error:
            report.errors.append((line, _with_span(str(error), line, end)))
            bad_lines.add(line)
    if strict and report.errors:
        raise BadRowsError(report)

    resolve = _CategoryResolver(create=create_categories, report=report)
    pending: list[Ticket] = []
    last_line = 0
    for line, _end, row in _rows(path, encoding, columns):
        if line in bad_lines:
            continue
        ticket = _ticket(row, columns, resolve, **options)
        sla_history_set(ticket, now=now)  # due dates of dated history; the past not announced
        pending.append(ticket)
        last_line = line
        if len(pending) >= batch:
            _flush(pending, report, progress, last_line)
    if pending:
        _flush(pending, report, progress, last_line)
    return report


def _flush(pending: list[Ticket], report: ImportReport, progress, last_line: int) -> None:
    try:
        with transaction.atomic():
            Ticket.objects.bulk_create(pending)
    except DatabaseError as error:
        raise ImportFailed(
            f"the database refused the batch ending at line {last_line} ({error}); the"
            f" {report.imported:,} tickets of the batches before it are imported."
        ) from error
    report.imported += len(pending)
    report.undated += sum(ticket.is_undated_history for ticket in pending)
    pending.clear()
    if progress:
        progress(report.imported)


def _with_span(message: str, line: int, end: int) -> str:
    # A record over many lines that is refused may be an unclosed quote swallowing the rows
    # after it: say where it ends, so that the operator can look.
    return message if end - line < 10 else f"{message} (the record runs to line {end})"


def _text(row: dict, column: str) -> str:
    return (row.get(column) or "").replace("\x00", "").strip()


def _ticket(row, columns, resolve, *, status, general, now, latest) -> Ticket:
    description = _text(row, columns.description)
    if not description:
        raise RowError(f"{columns.description}: empty")
    if len(description) > DESCRIPTION_MAX:
        raise RowError(f"{columns.description}: longer than {DESCRIPTION_MAX:,} characters")
    title = _text(row, columns.title)
    if len(title) > TITLE_MAX:
        raise RowError(f"{columns.title}: longer than {TITLE_MAX:,} characters")
    # Historical tickets sometimes have no subject: use the start of the message.
    title = title or description.splitlines()[0][:TITLE_MAX]
    category = None
    if columns.category and (label := _text(row, columns.category)):
        category = resolve(label)
    priority = Priority.MEDIUM
    if columns.priority and (value := _text(row, columns.priority)):
        name = PRIORITY_ALIASES.get(value.casefold(), value.upper())
        if name not in Priority.names:
            raise RowError(f"{columns.priority}: unknown priority {value!r}")
        priority = Priority[name]
    created_at = _timestamp(row.get(columns.created_at or "") or "", "created_at", latest=latest)
    resolved_at = None
    if status in CLOSED_STATUSES:
        resolved_at = _timestamp(
            row.get(columns.resolved_at or "") or "", "resolved_at", latest=latest
        )
    undated = created_at is None or (resolved_at is None and status in CLOSED_STATUSES)
    # Undated: the date missing is now, or for a ticket only known to be resolved then, then.
    created_at = created_at or resolved_at or now
    if status in CLOSED_STATUSES:
        resolved_at = resolved_at or now
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
        is_undated_history=undated,
    )
