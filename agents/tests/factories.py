"""factory_boy factories for users, departments and agents."""

import factory
from django.contrib.auth import get_user_model

from agents.models import Agent, Calendar, Department


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


class CalendarFactory(factory.django.DjangoModelFactory):
    """Monday to Friday, 09:00-17:30 in Rome."""

    class Meta:
        model = Calendar

    name = factory.Sequence(lambda n: f"Calendar {n}")
    time_zone = "Europe/Rome"
    weekly_hours = factory.LazyFunction(
        lambda: {day: ["09:00-17:30"] for day in ("mon", "tue", "wed", "thu", "fri")}
    )
    holidays = factory.LazyFunction(list)


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
