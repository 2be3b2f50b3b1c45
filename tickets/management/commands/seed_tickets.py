import time

from django.core.management.base import BaseCommand, CommandError

from tickets.demo import catalogue
from tickets.demo.guard import FORCE_HELP, demo_command_check
from tickets.demo.seeding import tickets_delete_all, tickets_seed, user_ensure


class Command(BaseCommand):
    help = (
        "Generate N realistic tickets (EN/FR/IT/DE) with mixed statuses and priorities in bulk. "
        "Deletes existing tickets unless --keep, and creates the demo login; demo only "
        "(with DJANGO_DEBUG=False it needs --force)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=200, help="How many tickets (default 200).")
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument("--keep", action="store_true", help="Keep existing tickets.")
        parser.add_argument("--batch", type=int, default=5000, help="Rows per INSERT.")
        parser.add_argument("--force", action="store_true", help=FORCE_HELP)

    def handle(self, *args, n: int, seed: int, keep: bool, batch: int, force: bool, **options):
        if n < 0 or batch < 1:
            raise CommandError("--n must be >= 0 and --batch >= 1.")
        username, _password = catalogue.REQUESTER
        demo_command_check(
            command="seed_tickets",
            does=(
                ("keeps the tickets" if keep else "deletes every ticket")
                + f" and creates the login {username!r} with the password the README publishes"
            ),
            force=force,
        )
        started = time.monotonic()
        requester = user_ensure(*catalogue.REQUESTER)
        if not keep:
            tickets_delete_all()
        step = max(n // 20, batch)

        def progress(done: int, total: int) -> None:
            if done % step < batch or done == total:
                self.stdout.write(f"  {done:,}/{total:,}")

        created = tickets_seed(n=n, seed=seed, requester=requester, batch=batch, progress=progress)
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Created {created:,} tickets in {elapsed:.1f}s."))
