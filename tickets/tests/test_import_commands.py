"""Loading history: `import_tickets` from a CSV file and `seed_tickets` for a demo."""

from datetime import datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from tickets.models import Category, Priority, Ticket, TicketEvent
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

COLUMNS = [
    "--title-col=subject",
    "--description-col=body",
    "--category-col=label",
    "--priority-col=prio",
    "--created-at-col=opened",
    "--resolved-at-col=closed",
]
HEADER = "subject,body,label,prio,opened,closed\n"
# Line numbers are those of the file, where each record starts (quoted fields span lines).
MIXED = (
    HEADER
    + 'Invoice wrong,"Line one\nline two",billing,high,2024-01-10,2024-01-12\n'  # 2-3
    + "Empty,,billing,low,2024-01-10,2024-01-11\n"  # 4
    + 'Mystery,"Something\nodd\nhere",Astrology,low,2024-01-10,2024-01-11\n'  # 5-7
    + "Loud,Very loud,bug,extreme,2024-01-10,2024-01-11\n"  # 8
    + "Backwards,Time travel,bug,low,2024-02-10,2024-01-11\n"  # 9
    + ",No subject here,account,,2024-03-01T10:00:00,\n"  # 10
)


def write_csv(tmp_path, text: str, name: str = "history.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_file(path, *options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_tickets", str(path), *COLUMNS, *options, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def aware(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def test_import_keeps_good_rows_and_reports_bad_ones_by_line(tmp_path, catalogue):
    out, err = import_file(write_csv(tmp_path, MIXED))

    assert err.splitlines() == [
        "line 4: body: empty (skipped)",
        "line 5: unknown category 'Astrology' (use --create-categories) (skipped)",
        "line 8: prio: unknown priority 'extreme' (skipped)",
        "line 9: resolved_at is before created_at (skipped)",
    ]
    assert "Imported 2 tickets; skipped 4 bad rows." in out
    invoice = Ticket.objects.get(title="Invoice wrong")
    assert invoice.description == "Line one\nline two"
    assert (invoice.category.slug, invoice.department.slug) == ("billing", "billing")
    assert (invoice.classified_by, invoice.priority) == ("manual", Priority.HIGH)
    assert invoice.status == "RESOLVED"
    assert (invoice.created_at, invoice.resolved_at) == (aware(2024, 1, 10), aware(2024, 1, 12))
    assert invoice.assigned_to is None
    untitled = Ticket.objects.get(description="No subject here")
    assert untitled.title == "No subject here"
    assert untitled.resolved_at >= untitled.created_at == aware(2024, 3, 1, 10)
    assert not TicketEvent.objects.exists()


def test_line_numbers_count_blank_lines(tmp_path, catalogue):
    text = HEADER + "Good,Fine,billing,,,\n\nEmpty,,billing,,,\n\n\nLoud,Hi,bug,extreme,,\n"

    _out, err = import_file(write_csv(tmp_path, text))

    assert err.splitlines() == [
        "line 4: body: empty (skipped)",
        "line 7: prio: unknown priority 'extreme' (skipped)",
    ]


def test_unknown_categories_can_be_created_in_general(tmp_path, catalogue):
    out, err = import_file(write_csv(tmp_path, MIXED), "--create-categories")

    astrology = Category.objects.get(slug="astrology")
    assert (astrology.name, astrology.department.slug) == ("Astrology", "general")
    ticket = Ticket.objects.get(title="Mystery")
    assert (ticket.category, ticket.department.slug) == (astrology, "general")
    assert "astrology" in out
    assert "Astrology" not in err
    assert Ticket.objects.count() == 3


@pytest.mark.parametrize("status", ["OPEN", "IN_PROGRESS"])
def test_tickets_imported_as_open_have_no_resolution_date(tmp_path, catalogue, status):
    import_file(write_csv(tmp_path, MIXED), f"--status={status}")

    # Dates out of order no longer matter: the resolution column is not used.
    assert set(Ticket.objects.values_list("status", "resolved_at")) == {(status, None)}
    assert Ticket.objects.count() == 3


def test_tickets_imported_as_closed_get_a_resolution_date(tmp_path, catalogue):
    path = write_csv(tmp_path, "subject,body\nOld,Solved long ago\n")
    before = timezone.now()

    call_command(
        "import_tickets", str(path), "--title-col=subject", "--description-col=body",
        "--status=CLOSED", stdout=StringIO(),
    )  # fmt: skip

    ticket = Ticket.objects.get()
    assert ticket.status == "CLOSED"
    assert ticket.resolved_at >= before
    assert ticket.resolved_at >= ticket.created_at
    assert ticket.department.slug == "general"
    assert ticket.classified_by == "none"


def test_import_in_batches_reports_progress(tmp_path, catalogue):
    rows = "".join(f"Invoice {n},Facture {n},billing,low,2024-01-10,\n" for n in range(5))

    out, err = import_file(write_csv(tmp_path, HEADER + rows), "--batch=2")

    assert [line.strip() for line in out.splitlines()[:3]] == [
        "2 imported",
        "4 imported",
        "5 imported",
    ]
    assert err == ""
    assert Ticket.objects.count() == 5


def test_a_file_that_is_not_utf8_is_refused(tmp_path, catalogue):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "Facture,Facture impayée,billing,,,\n").encode("latin-1"))

    with pytest.raises(CommandError, match="not UTF-8"):
        import_file(path)
    assert not Ticket.objects.exists()


def test_a_file_that_turns_out_not_to_be_utf8_imports_nothing(tmp_path, catalogue):
    """The bad byte comes after the first batch: refusing the file must not leave half of it."""
    rows = "".join(f"Invoice {n},Facture {n},billing,,,\n" for n in range(3000))
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + rows + "Facture,Facture impayée,billing,,,\n").encode("latin-1"))

    with pytest.raises(CommandError, match="not UTF-8"):
        import_file(path)
    assert Ticket.objects.count() == 0


def test_a_missing_column_is_refused(tmp_path, catalogue):
    path = write_csv(tmp_path, "subject,text\nHello,World\n")

    with pytest.raises(CommandError, match="missing column.*body"):
        import_file(path)
    assert not Ticket.objects.exists()


# seed_tickets


def test_seed_tickets_replaces_the_tickets_with_coherent_history(catalogue):
    old = TicketFactory()
    assert not get_user_model().objects.filter(username="demo").exists()

    call_command("seed_tickets", "--n", "50", "--seed", "1", "--force", stdout=StringIO())

    assert not Ticket.objects.filter(pk=old.pk).exists()
    tickets = list(Ticket.objects.all())
    assert len(tickets) == 50
    demo = get_user_model().objects.get(username="demo")
    assert {t.created_by_id for t in tickets} == {demo.pk}
    assert all(t.category is not None for t in tickets)
    closed = [t for t in tickets if t.status in ("RESOLVED", "CLOSED")]
    still_open = [t for t in tickets if t.status in ("OPEN", "IN_PROGRESS")]
    assert closed and still_open
    assert all(t.created_at <= t.resolved_at <= timezone.now() for t in closed)
    assert all(t.resolved_at is None for t in still_open)


def test_seed_tickets_keeps_existing_tickets_when_asked(catalogue):
    old = TicketFactory()

    call_command("seed_tickets", "--n", "10", "--keep", "--force", stdout=StringIO())

    assert Ticket.objects.filter(pk=old.pk).exists()
    assert Ticket.objects.count() == 11
