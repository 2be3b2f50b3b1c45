from django.core.management.base import BaseCommand

from tickets.demo import catalogue
from tickets.demo.guard import FORCE_HELP, demo_command_check
from tickets.demo.seeding import (
    catalogue_install,
    demo_sla_install,
    demo_users_install,
    tickets_seed,
    user_ensure,
)
from tickets.models import Ticket


class Command(BaseCommand):
    help = (
        "Load the demo help desk: departments, categories with keywords, agents, a staff user, "
        "a requester, a default SLA policy on business hours and a few hundred tickets. Running "
        "it again changes nothing. Demo only: the logins' passwords are published "
        "(with DJANGO_DEBUG=False it needs --force)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, default=300, help="Tickets to generate once.")
        parser.add_argument("--force", action="store_true", help=FORCE_HELP)

    def handle(self, *args, tickets: int, force: bool, **options):
        demo_command_check(
            command="setup_demo",
            does="creates the demo logins (a superuser, a requester and seven agents) with the "
            "passwords the README publishes",
            force=force,
        )
        catalogue_install()
        demo_users_install()
        demo_sla_install()
        if Ticket.objects.exists():
            self.stdout.write("Tickets already present: none generated.")
        else:
            requester = user_ensure(*catalogue.REQUESTER)
            tickets_seed(n=tickets, seed=42, requester=requester)
            self.stdout.write(f"Generated {tickets} demo tickets.")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
