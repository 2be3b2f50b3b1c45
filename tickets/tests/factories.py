"""factory_boy factories for users, departments, agents, categories and tickets."""

import factory
from django.contrib.auth import get_user_model

from agents.models import Agent, Department
from tickets.models import Category, Priority, Ticket, TicketStatus


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pass-1234-word")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy's signature
        if create:
            obj.save()


class StaffFactory(UserFactory):
    is_staff = True


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Department {n}")
    slug = factory.Sequence(lambda n: f"dept-{n}")


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent

    user = factory.SubFactory(UserFactory)
    department = factory.SubFactory(DepartmentFactory)
    is_available = True
    max_open_tickets = None


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
