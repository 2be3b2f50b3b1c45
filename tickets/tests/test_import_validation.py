"""`import_tickets` against hostile or broken files: every bad row is refused with its line
number and reason, the rest imports, and nothing it stores can break a list for anyone."""

import csv
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from django.db.models import QuerySet

from tickets import importing
from tickets.models import Category, Ticket
from tickets.tests.api import TICKETS, ticket_url

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 12, 15, 0, tzinfo=UTC)
COLUMNS = [
    "--title-col=subject",
    "--description-col=body",
    "--category-col=label",
    "--created-at-col=opened",
    "--resolved-at-col=closed",
]
HEADER = "subject,body,label,opened,closed\n"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def write(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "history.csv"
    path.write_text(text, encoding=encoding)
    return path


def run(path, *options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_tickets", str(path), *COLUMNS, *options, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(path, *options) -> tuple[str, str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_tickets", str(path), *COLUMNS, *options, stdout=out, stderr=err)
    return str(failure.value), out.getvalue(), err.getvalue()


# Each bad value of a date, and the start of the reason given for it.
BAD_DATES = [
    ("0001-01-01T00:00:00+01:00", "created_at: '0001-01-01T00:00:00+01:00' is outside 1970-01-01"),
    ("1969-12-31T23:59:59+00:00", "created_at: '1969-12-31T23:59:59+00:00' is outside 1970-01-01"),
    ("2025-03-13T16:00:00+00:00", "created_at: '2025-03-13T16:00:00+00:00' is outside 1970-01-01"),
    ("9999-12-31T23:59:59-05:00", "created_at: '9999-12-31T23:59:59-05:00' is outside 1970-01-01"),
    ("2026-02-30", "created_at: not a valid date/time: '2026-02-30' (day is out of range"),
    ("2024-02-30T10:00:00", "created_at: not a valid date/time: '2024-02-30T10:00:00' (day is"),
    ("2024-01-10T10:00:00+25:00", "created_at: not a valid date/time: '2024-01-10T10:00:00+25:00'"),
    ("yesterday", "created_at: not a date/time: 'yesterday'"),
]


@pytest.mark.parametrize(("value", "reason"), BAD_DATES)
def test_a_bad_opening_date_is_a_bad_row_reported_by_line(tmp_path, catalogue, value, reason):
    path = write(
        tmp_path,
        HEADER
        + "Before,Fine,billing,2024-01-10,2024-01-11\n"
        + f"Bad,Broken date,billing,{value},2024-01-11\n"
        + "After,Fine too,billing,2024-01-10T08:00:00+01:00,2024-01-11\n",
    )

    out, err = run(path)

    [line] = err.splitlines()
    assert line.startswith(f"line 3: {reason}") and line.endswith("(skipped)")
    assert "Imported 2 tickets; skipped 1 bad rows." in out
    assert set(Ticket.objects.values_list("title", flat=True)) == {"Before", "After"}


@pytest.mark.parametrize(
    ("closed", "reason"),
    [
        ("0001-01-01T00:00:00+01:00", "resolved_at: '0001-01-01T00:00:00+01:00' is outside"),
        ("2025-03-14", "resolved_at: '2025-03-14' is outside 1970-01-01 .. 2025-03-13 15:00 UTC"),
        ("2026-02-30", "resolved_at: not a valid date/time: '2026-02-30'"),
        ("2024-01-09", "resolved_at is before created_at"),
    ],
)
def test_a_bad_resolution_date_is_a_bad_row(tmp_path, catalogue, closed, reason):
    path = write(tmp_path, HEADER + f"Bad,Broken date,billing,2024-01-10,{closed}\n")

    out, err = run(path)

    assert err.startswith(f"line 2: {reason}")
    assert not Ticket.objects.exists()


def test_dates_at_the_edges_of_the_range_are_accepted(tmp_path, catalogue):
    path = write(
        tmp_path,
        HEADER
        + "Epoch,At the start,billing,1970-01-01T00:00:00+00:00,1970-01-01T00:00:00Z\n"
        + "Tomorrow,A day ahead,billing,2025-03-13T15:00:00+00:00,2025-03-13T15:00:00+00:00\n",
    )

    _out, err = run(path)

    assert err == ""
    assert sorted(Ticket.objects.values_list("created_at", flat=True)) == [
        datetime(1970, 1, 1, tzinfo=UTC),
        NOW + timedelta(days=1),
    ]


def test_a_year_one_date_leaves_lists_orderings_cursors_and_admin_working(
    tmp_path, catalogue, as_user, staff, admin_client
):
    """On PostgreSQL the row was stored as a date before year 1 that no Python datetime holds:
    every list reading it answered 400, the admin 500, and the ticket could not be deleted.
    (On SQLite the import itself crashed with a traceback.)"""
    path = write(
        tmp_path,
        HEADER
        + "Ancient,From the year one,billing,0001-01-01T00:00:00+01:00,\n"
        + "Good,A real ticket,billing,2024-01-10,2024-01-11\n"
        + "Other,Another real one,bug,2024-02-10,2024-02-12\n",
    )

    run(path)

    assert Ticket.objects.count() == 2
    client = as_user(staff)
    good = Ticket.objects.get(title="Good")
    for params in (
        {},
        {"ordering": "created_at"},
        {"ordering": "-created_at"},
        {"ordering": "updated_at"},
    ):
        response = client.get(TICKETS, params)
        assert response.status_code == 200, (params, response.content)
        assert response.json()["count"] == 2
    walked, url = [], f"{TICKETS}?cursor=&page_size=1"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        walked += [row["id"] for row in response.json()["results"]]
        url = response.json()["next"]
    assert len(walked) == 2
    assert client.get(ticket_url(good)).status_code == 200
    assert admin_client.get("/admin/tickets/ticket/").status_code == 200
    assert admin_client.get(f"/admin/tickets/ticket/{good.pk}/change/").status_code == 200


def test_a_field_over_the_csv_modules_limit_is_a_bad_row(tmp_path, catalogue):
    huge = "x" * (csv.field_size_limit() + 10)
    path = write(
        tmp_path,
        HEADER
        + f'Huge,"{huge}",billing,2024-01-10,2024-01-11\n'
        + f"{'T' * 201},Title too long,billing,2024-01-10,2024-01-11\n"
        + f"{'T' * 200},Title just fits,billing,2024-01-10,2024-01-11\n"
        + 'Good,"Two\nlines",billing,2024-01-10,2024-01-11\n'
        + "Last,Fine,billing,2024-01-10,2024-01-11\n",
    )
    limit = csv.field_size_limit()

    out, err = run(path)

    assert err.splitlines() == [
        "line 2: body: longer than 20,000 characters (skipped)",
        "line 3: subject: longer than 200 characters (skipped)",
    ]
    assert "Imported 3 tickets; skipped 2 bad rows." in out
    assert Ticket.objects.filter(title="T" * 200).exists()
    assert csv.field_size_limit() == limit  # the process-wide setting is put back


def test_a_record_no_reader_can_delimit_imports_nothing(tmp_path, catalogue, monkeypatch):
    """An unclosed quote swallows the rest of the file into one field: past the (raised)
    field limit, the command stops and names the line, and nothing is imported."""
    monkeypatch.setattr(importing, "FIELD_SIZE_LIMIT", 1000)
    rows = "".join(f"Ok {n},Fine,billing,2024-01-10,2024-01-11\n" for n in range(5))
    swallowed = "".join(f"Lost {n},Gone,billing,2024-01-10,2024-01-11\n" for n in range(100))
    path = write(tmp_path, HEADER + rows + 'Open,"never closed,billing,,\n' + swallowed)

    message, out, _err = run_failing(path, "--batch=2")

    assert message.startswith("line ") and "unclosed quote" in message
    assert "nothing imported" in message
    assert "imported" not in out
    assert not Ticket.objects.exists()


def test_strict_imports_nothing_when_any_row_is_bad(tmp_path, catalogue):
    path = write(
        tmp_path,
        HEADER
        + "Good,Fine,billing,2024-01-10,2024-01-11\n"
        + "Bad,Broken,billing,2026-02-30,\n"
        + "New,Unknown label,Astrology,2024-01-10,2024-01-11\n"
        + "Empty,,billing,2024-01-10,2024-01-11\n",
    )

    message, out, err = run_failing(path, "--strict", "--create-categories", "--batch=1")

    assert message == "2 bad rows: nothing imported (--strict)."
    assert [line.split(":")[0] for line in err.splitlines()] == ["line 3", "line 5"]
    assert "(skipped)" not in err
    assert "imported" not in out
    assert not Ticket.objects.exists()
    assert not Category.objects.filter(slug="astrology").exists()


def test_strict_imports_a_clean_file(tmp_path, catalogue):
    path = write(tmp_path, HEADER + "Good,Fine,billing,2024-01-10,2024-01-11\n")

    out, err = run(path, "--strict")

    assert err == ""
    assert "Imported 1 tickets; skipped 0 bad rows." in out


def test_progress_only_counts_committed_batches(tmp_path, catalogue, monkeypatch):
    """The database refuses the third batch: the two before it stay, and that is what the
    progress lines and the error say (the import used to print 'imported' for batches it
    then rolled back)."""
    calls = []
    bulk_create = QuerySet.bulk_create

    def refuse_the_third(self, objs, *args, **kwargs):
        calls.append(len(objs))
        if len(calls) == 3:
            raise DatabaseError("disk full")
        return bulk_create(self, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", refuse_the_third)
    rows = "".join(f"Invoice {n},Facture {n},billing,2024-01-10,\n" for n in range(7))
    path = write(tmp_path, HEADER + rows)

    message, out, _err = run_failing(path, "--batch=2", "--status=OPEN")

    assert [line.strip() for line in out.splitlines()] == ["2 imported", "4 imported"]
    assert "batch ending at line 7" in message and "4 tickets" in message
    assert Ticket.objects.count() == 4


def test_a_file_that_breaks_halfway_prints_no_progress(tmp_path, catalogue):
    rows = "".join(f"Invoice {n},Facture {n},billing,,\n" for n in range(3000))
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + rows + "Facture,Facture impayée,billing,,\n").encode("latin-1"))

    message, out, _err = run_failing(path)

    assert "not UTF-8" in message and "--encoding" in message
    assert "imported" not in out
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("encoding", "options"),
    [
        ("utf-8-sig", []),  # a byte-order mark, as spreadsheets write (worked before too)
        ("cp1252", ["--encoding=cp1252"]),
        ("latin-1", ["--encoding=latin-1"]),
        ("utf-16", ["--encoding=utf-16"]),
    ],
)
def test_files_in_other_encodings_are_read_with_encoding(tmp_path, catalogue, encoding, options):
    path = write(tmp_path, HEADER + "Facture,Facture impayée à régler,billing,,\n", encoding)

    _out, err = run(path, *options)

    assert err == ""
    assert Ticket.objects.get().description == "Facture impayée à régler"


def test_an_unknown_encoding_is_refused(tmp_path, catalogue):
    path = write(tmp_path, HEADER)

    message, _out, _err = run_failing(path, "--encoding=klingon")

    assert message == "--encoding: unknown encoding 'klingon'."


def test_rows_without_their_dates_are_marked_undated_and_counted(tmp_path, catalogue):
    path = write(
        tmp_path,
        HEADER
        + "Dated,Both dates,billing,2024-01-10,2024-01-11\n"
        + "No dates,Neither,billing,,\n"
        + "Opened only,No resolution date,billing,2024-01-10,\n"
        + "Closed only,No opening date,billing,,2024-01-11\n",
    )

    out, _err = run(path)

    assert "Marked 3 tickets as undated history" in out
    assert dict(Ticket.objects.values_list("title", "is_undated_history")) == {
        "Dated": False,
        "No dates": True,
        "Opened only": True,
        "Closed only": True,
    }
    assert Ticket.objects.get(title="No dates").created_at == NOW
    # Known to be resolved then, so opened by then at the latest.
    closed_only = Ticket.objects.get(title="Closed only")
    assert closed_only.created_at == closed_only.resolved_at == datetime(2024, 1, 11, tzinfo=UTC)


def test_open_tickets_need_only_their_opening_date(tmp_path, catalogue):
    path = write(tmp_path, HEADER + "Dated,Open,billing,2024-01-10,\nUndated,Open,billing,,\n")

    out, _err = run(path, "--status=OPEN")

    assert "Marked 1 tickets as undated history" in out
    assert dict(Ticket.objects.values_list("title", "is_undated_history")) == {
        "Dated": False,
        "Undated": True,
    }
