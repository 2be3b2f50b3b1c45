import time

from django.core.management.base import BaseCommand, CommandError

from tickets.demo import catalogue
from tickets.demo.seeding import tickets_delete_all, tickets_seed, user_ensure


class Command(BaseCommand):
    help = (
        "Generate N realistic tickets (EN/FR/IT/DE) with mixed statuses and priorities in bulk. "
        "Deletes existing tickets unless --keep."
    )

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=200, help="How many tickets (default 200).")
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument("--keep", action="store_true", help="Keep existing tickets.")
        parser.add_argument("--batch", type=int, default=5000, help="Rows per INSERT.")

    def handle(self, *args, n: int, seed: int, keep: bool, batch: int, **options):
        if n < 0 or batch < 1:
            raise CommandError("--n must be >= 0 and --batch >= 1.")
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
