"""Time each analytics endpoint against the current database. A benchmark, not a test.

    DJANGO_SETTINGS_MODULE=config.settings DJANGO_DEBUG=True \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_analytics \
        .venv/bin/python bench/analytics_bench.py [--n 20] [--runs 1] [--viewer staff|<agent>]
        [--only sla/]

The secrets (DJANGO_SECRET_KEY, JWT_SIGNING_KEY, ML_SIGNING_KEY) come from .env (`make setup`)
or the environment, as for every process that loads the settings.

Requests go through Django's test client (routing, authentication, serialisation included,
no network) as a staff user, or as the given agent. Each endpoint is called twice to warm up,
then N times; the table shows the median and 95th percentile in milliseconds. With --runs R,
the N calls are repeated R times and the run with the lowest median is shown: on a machine
shared with other work, the least disturbed run is the closest to the endpoint's own cost.

The last column, CPU time per call (this process plus, when the database runs on this
machine, its PostgreSQL backend, read from /proc), does not depend on what else the machine
is doing: it is what a call costs when nothing competes with it.
"""

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CASES = [
    "/api/analytics/trends/?days=30",
    "/api/analytics/trends/?days=30&interval=day",
    "/api/analytics/trends/?days=365&interval=week",
    "/api/analytics/mttr/?days=30",
    "/api/analytics/mttr/?days=30&by=category",
    "/api/analytics/mttr/?days=30&by=priority",
    "/api/analytics/mttr/?days=30&by=department",
    "/api/analytics/mttr/?days=30&by=agent",
    "/api/analytics/backlog/",
    "/api/analytics/agents/?days=30",
    "/api/analytics/sla/?days=30",
    "/api/analytics/sla/?days=365",
    "/api/analytics/sla/at_risk/",
]


def backend_cpu_seconds(pid: int | None) -> float | None:
    """CPU time used so far by the database backend process, if it runs on this machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def timings(client, url: str, n: int, backend: int | None) -> tuple[list[float], float | None]:
    """Wall-clock milliseconds of each call, and the mean CPU milliseconds per call."""
    samples = []
    cpu, db_cpu = time.process_time(), backend_cpu_seconds(backend)
    for _ in range(n):
        started = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    cpu, db_after = time.process_time() - cpu, backend_cpu_seconds(backend)
    if db_cpu is None or db_after is None:
        return samples, None
    return samples, (cpu + db_after - db_cpu) * 1000 / n


def warm_up(client, url: str) -> None:
    for _ in range(2):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20, help="timed calls per endpoint")
    parser.add_argument("--runs", type=int, default=1, help="runs of N calls; the best is shown")
    parser.add_argument("--viewer", default="staff", help='"staff" or an agent\'s username')
    parser.add_argument("--only", default="", help="only the endpoints whose path has this")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    logging.disable(logging.INFO)  # no access log line per request
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from tickets.models import Ticket

    User = get_user_model()
    if args.viewer == "staff":
        user, _ = User.objects.get_or_create(username="bench-staff", defaults={"is_staff": True})
    else:
        user = User.objects.get(username=args.viewer, agent__isnull=False)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)

    tickets = Ticket.objects.count()
    backend = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
    print(
        f"{connection.vendor}, {tickets:,} tickets, viewer {args.viewer},"
        f" best of {args.runs} run(s) of N={args.n}"
    )
    # Timings on a busy machine are not comparable: say how busy it was.
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
    print(f"{'endpoint':<50} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'CPU ms':>8}")
    for url in (case for case in CASES if args.only in case):
        warm_up(client, url)
        runs = [timings(client, url, args.n, backend) for _ in range(args.runs)]
        samples, _cpu = min(runs, key=lambda run: statistics.median(run[0]))
        cpus = [cpu for _samples, cpu in runs if cpu is not None]
        cpu = f"{min(cpus):8.1f}" if cpus else f"{'n/a':>8}"
        p95 = statistics.quantiles(samples, n=20, method="inclusive")[18]
        p50 = statistics.median(samples)
        print(f"{url:<50} {p50:8.1f} {p95:8.1f} {max(samples):8.1f} {cpu}")


if __name__ == "__main__":
    main()
