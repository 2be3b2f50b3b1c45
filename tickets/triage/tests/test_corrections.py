"""Learning from corrections: a person changing the category triage decided is recorded once
per change (PATCH, admin, after a re-triage), in the change's transaction; the corrected
ticket trains the next model with its final category."""

import pytest
from django.db import connection

from tickets import services
from tickets.models import ClassifiedBy, Ticket, TicketStatus, TriageCorrection
from tickets.tests.api import ticket_url
from tickets.tests.factories import StaffFactory, TicketFactory
from tickets.tests.test_concurrency import run_concurrently
from tickets.tests.test_resolved_at import admin_change_form
from tickets.triage.services import training_rows

pytestmark = pytest.mark.django_db


def decided(category, *, by=ClassifiedBy.MODEL, version="20250101-000000-abcdef", confidence=0.8):
    """A ticket as triage left it."""
    return TicketFactory(
        category=category,
        classified_by=by,
        model_version=version if by == ClassifiedBy.MODEL else "",
        confidence=confidence if by != ClassifiedBy.NONE else None,
    )


def patch(client, ticket, body):
    return client.patch(ticket_url(ticket), body, format="json")


def test_a_persons_change_of_the_models_category_is_recorded_once(as_user, staff, catalogue):
    ticket = decided(catalogue["billing"])
    client = as_user(staff)

    assert patch(client, ticket, {"category": "bug"}).status_code == 200

    correction = TriageCorrection.objects.get()
    assert correction.ticket == ticket
    assert correction.corrected_by == staff
    assert correction.classified_by == "model"
    assert correction.model_version == "20250101-000000-abcdef"
    assert correction.confidence == 0.8
    assert correction.predicted_category == catalogue["billing"]
    assert correction.predicted_department == catalogue["billing"].department
    assert correction.corrected_category == catalogue["bug"]
    assert correction.corrected_department == catalogue["bug"].department
    assert correction.misrouted is True
    ticket.refresh_from_db()
    assert (ticket.category.slug, ticket.classified_by) == ("bug", "manual")

    # The same category again is no change; a person's change of a person's category is no
    # correction of triage.
    assert patch(client, ticket, {"category": "bug"}).status_code == 200
    assert patch(client, ticket, {"category": "account"}).status_code == 200
    assert TriageCorrection.objects.count() == 1


def test_keyword_and_empty_decisions_are_corrections_too(as_user, billing_agent, catalogue):
    by_keywords = decided(catalogue["billing"], by=ClassifiedBy.KEYWORDS)
    by_nobody = decided(None, by=ClassifiedBy.NONE)
    by_nobody.department = catalogue["billing"].department  # in the agent's queue
    by_nobody.save()
    by_hand = decided(catalogue["billing"], by=ClassifiedBy.MANUAL)
    client = as_user(billing_agent.user)

    for ticket in (by_keywords, by_nobody, by_hand):
        response = patch(client, ticket, {"category": "other"})
        assert response.status_code == 200, response.content

    rows = {c.ticket_id: c for c in TriageCorrection.objects.all()}
    assert set(rows) == {by_keywords.pk, by_nobody.pk}
    assert rows[by_keywords.pk].classified_by == "keywords"
    assert rows[by_keywords.pk].model_version == ""
    assert rows[by_nobody.pk].classified_by == "none"
    assert rows[by_nobody.pk].predicted_category is None
    assert rows[by_nobody.pk].confidence is None
    assert rows[by_nobody.pk].corrected_by == billing_agent.user


def test_the_admins_change_form_records_the_correction(admin_client, catalogue):
    ticket = decided(catalogue["billing"], by=ClassifiedBy.KEYWORDS)

    response = admin_client.post(
        f"/admin/tickets/ticket/{ticket.pk}/change/",
        admin_change_form(admin_client, ticket, category=catalogue["bug"].pk),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    correction = TriageCorrection.objects.get()
    assert (correction.ticket, correction.classified_by) == (ticket, "keywords")
    assert correction.corrected_category == catalogue["bug"]
    assert correction.corrected_by.is_staff


def test_a_retriage_by_the_model_is_no_correction_but_a_later_change_is(
    as_user, staff, trained_model, catalogue
):
    ticket = decided(catalogue["billing"], by=ClassifiedBy.MANUAL)
    client = as_user(staff)

    predicted = client.post(ticket_url(ticket, "ml_predict"))
    assert predicted.status_code == 200, predicted.content
    assert TriageCorrection.objects.count() == 0
    slug = predicted.json()["category"]["slug"]
    other = "bug" if slug != "bug" else "billing"

    assert patch(client, ticket, {"category": other}).status_code == 200

    correction = TriageCorrection.objects.get()
    assert correction.classified_by == "model"
    assert correction.model_version == trained_model.version
    assert correction.predicted_category.slug == slug
    assert correction.confidence == pytest.approx(predicted.json()["confidence"])


def test_a_refused_change_leaves_no_correction(as_user, staff, catalogue):
    ticket = decided(catalogue["billing"])
    ticket.status = TicketStatus.CLOSED
    ticket.save()

    # CLOSED -> RESOLVED is not allowed: the whole PATCH is refused, category included.
    response = patch(as_user(staff), ticket, {"category": "bug", "status": "RESOLVED"})

    assert response.status_code == 409, response.content
    assert TriageCorrection.objects.count() == 0
    ticket.refresh_from_db()
    assert (ticket.category.slug, ticket.classified_by) == ("billing", "model")


def test_corrected_tickets_train_the_next_model_with_their_final_category(
    as_user, staff, catalogue
):
    corrected = decided(catalogue["billing"])
    uncategorised = decided(None, by=ClassifiedBy.NONE)
    client = as_user(staff)
    assert patch(client, corrected, {"category": "bug"}).status_code == 200
    assert patch(client, uncategorised, {"category": "account"}).status_code == 200

    ids, _texts, labels = training_rows()

    trained_on = dict(zip(ids, labels, strict=True))
    assert trained_on[corrected.pk] == "bug"
    assert trained_on[uncategorised.pk] == "account"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_concurrent_changes_of_one_decision_record_one_correction(catalogue):
    ticket = decided(catalogue["billing"])
    staff = StaffFactory()
    targets = ["bug", "account", "feature", "other"]

    errors = run_concurrently(
        lambda i: services.ticket_update(
            ticket=Ticket(pk=ticket.pk),
            actor=staff,
            category=catalogue[targets[i % len(targets)]],
        ),
        12,
    )

    assert errors == []
    correction = TriageCorrection.objects.get()
    assert correction.predicted_category == catalogue["billing"]
    assert correction.classified_by == "model"
    ticket.refresh_from_db()
    assert ticket.classified_by == "manual"
