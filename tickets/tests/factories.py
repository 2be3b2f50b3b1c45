"""factory_boy factories for categories and tickets (people and departments: agents.tests)."""

import factory

from agents.tests.factories import AgentFactory, DepartmentFactory, StaffFactory, UserFactory
from tickets.models import Category, Priority, Ticket, TicketStatus

# Re-exported: the tickets tests arrange people and tickets together.
__all__ = [
    "AgentFactory",
    "CategoryFactory",
    "DepartmentFactory",
    "StaffFactory",
    "TicketFactory",
    "UserFactory",
]


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.LazyAttribute(lambda c: c.slug.title())
    department = factory.SubFactory(DepartmentFactory)
    keywords = factory.LazyFunction(list)


class TicketFactory(factory.django.DjangoModelFactory):
    """A ticket inserted directly (no classification, routing or events): for arranging
    state. Behaviour under test goes through tickets.services or the API."""

    class Meta:
        model = Ticket

    title = factory.Sequence(lambda n: f"Ticket {n}")
    description = "Something happened."
    status = TicketStatus.OPEN
    priority = Priority.MEDIUM
    category = None
    department = factory.LazyAttribute(lambda t: t.category.department if t.category else None)
    created_by = factory.SubFactory(UserFactory)
    assigned_to = None
