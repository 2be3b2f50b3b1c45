from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save, pre_migrate


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from agents.models import Department
        from tickets.load_triggers import install_after_migrate, remove_agent_trigger_before_migrate
        from tickets.models import Category, SlaPolicy
        from tickets.sla.policies import policies_changed
        from tickets.triage.catalogue import catalogue_changed

        # Cache invalidation only (tickets/triage/catalogue.py), no business rule.
        for model in (Category, Department):
            uid = f"triage-catalogue-{model._meta.label}"
            post_save.connect(catalogue_changed, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(catalogue_changed, sender=model, dispatch_uid=f"{uid}-delete")

        # Cache invalidation only (tickets/sla/policies.py): the policies kept per process.
        # A calendar's save is seen by its generation (agents/models.py).
        for model in (SlaPolicy,):
            uid = f"sla-policies-{model._meta.label}"
            post_save.connect(policies_changed, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(policies_changed, sender=model, dispatch_uid=f"{uid}-delete")

        # The open-load triggers (tickets/load_triggers.py) survive SQLite's table rebuilds.
        pre_migrate.connect(
            remove_agent_trigger_before_migrate, sender=self, dispatch_uid="agent-load-trigger"
        )
        post_migrate.connect(
            install_after_migrate, sender=self, dispatch_uid="ticket-load-triggers"
        )
