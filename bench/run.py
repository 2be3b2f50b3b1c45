"""`make bench`: seed, train, serve under gunicorn, load each endpoint with locust, report.

For each size N: a fresh PostgreSQL database bench_<N> (or the existing one with --reuse),
migrate, the demo users without tickets, `seed_tickets --n N` (timed), VACUUM ANALYZE,
`train` (timed, peak memory of the process tree), in-process probes (bench/probe.py: SQL
queries per request, predict and similar latency), then gunicorn with production settings
plus the floor endpoint (bench.settings), and one headless locust run per endpoint (warm-up,
then a fixed duration). Writes var/bench/<stamp>.json, latest.json and latest.md.
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import report, resources  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUT = ROOT / "var" / "bench"
WRITE_SCENARIOS = ("floor", "create")
READ_SCENARIOS = (
    "list_first",
    "list_deep",
    "retrieve",
    "similar",
    "agents",
    "trends",
    "trends_day",
    "mttr",
    "mttr_category",
    "backlog",
    "analytics_agents",
    "sla",
    "sla_at_risk",
)


def log(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def base_env(args, size: int) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=f"postgres://{args.pg_user}@{args.pg_host}:{args.pg_port}/{args.db_prefix}_{size}",
        DJANGO_DEBUG="False",
        # Throwaway secrets: production settings refuse to start without real ones.
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        JWT_SIGNING_KEY=secrets.token_urlsafe(48),
        ML_SIGNING_KEY=secrets.token_urlsafe(48),
        JWT_ACCESS_MINUTES="600",
        ML_ARTIFACT_DIR=str(OUT / f"ml-{size}"),
        DJANGO_STATIC_ROOT=str(OUT / "static"),
        # The product allows 30 creations a minute per user; the load test is one user.
        THROTTLE_TICKET_CREATE_RATE="1000000/hour",
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


def psql(args, sql: str, db: str = "postgres") -> str:
    command = ["psql", "-h", args.pg_host, "-p", str(args.pg_port), "-U", args.pg_user]
    command += ["-d", db, "-Atqc", sql]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def manage(env: dict, *arguments: str) -> str:
    command = [str(BIN / "python"), "manage.py", *arguments]
    done = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return done.stdout


def prepare(args, size: int, env: dict) -> dict:
    """Database with N tickets and a trained model; seeding and training figures."""
    db = f"{args.db_prefix}_{size}"
    figures: dict = {}
    exists = psql(args, f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"
    saved = OUT / f"prepare-{size}.json"
    if exists and args.reuse:
        # Its model was signed under an earlier run's key: this run's key vouches for it (the
        # benchmark made that database itself), else triage would fall back to keywords.
        manage(env, "sign_models", "--all")
        log(f"{db}: reused")
        previous = json.loads(saved.read_text()) if saved.exists() else {}
        return {**previous, "reused": True}
    if exists:
        psql(args, f'DROP DATABASE "{db}"')
    psql(args, f'CREATE DATABASE "{db}"')
    manage(env, "migrate", "--noinput")
    # Demo data on a production-like configuration (DJANGO_DEBUG=False): --force says so.
    manage(env, "setup_demo", "--tickets", "0", "--force")
    log(f"{db}: seeding {size:,} tickets")
    started = time.perf_counter()
    manage(env, "seed_tickets", "--n", str(size), "--keep", "--batch", "10000", "--force")
    figures["seed_seconds"] = round(time.perf_counter() - started, 1)
    psql(args, "VACUUM ANALYZE", db)
    log(f"{db}: seeded in {figures['seed_seconds']} s; training")
    command = [str(BIN / "python"), "manage.py", "train", "--json"]
    started = time.perf_counter()
    with resources.PeakRss() as peak:
        train = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        peak.track(train.pid)
        stdout, stderr = train.communicate()
    if train.returncode:
        raise SystemExit(f"train failed: {stderr[-2000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    figures.update(
        train_wall_seconds=round(time.perf_counter() - started, 1),
        train_seconds=result["training_seconds"],
        train_peak_rss_mb=peak.peak_mb,
        train_samples=result["n_samples"],
        macro_f1=round(result["metrics"]["macro_f1"], 3),
    )
    log(f"{db}: trained in {figures['train_seconds']} s, peak {peak.peak_mb} MB")
    figures["prepared_with_load_average"] = os.getloadavg()[0]
    saved.write_text(json.dumps(figures))
    return figures


def serve(args, env: dict, log_file) -> subprocess.Popen:
    manage(env, "collectstatic", "--noinput", "-v", "0")  # gunicorn refuses without (E020)
    env = dict(env, GUNICORN_BIND=f"127.0.0.1:{args.port}", GUNICORN_WORKERS=str(args.workers))
    command = [str(BIN / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi"]
    command += ["--access-logfile", "/dev/null"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=log_file)
    for _ in range(120):
        time.sleep(0.5)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=2)  # noqa: S310
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("gunicorn exited; see var/bench/gunicorn.log") from None
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def load(args, scenario: str, env: dict, users: int) -> dict:
    """One warm-up run, then one measured run; locust's aggregated figures."""
    csv = OUT / "locust" / f"{scenario}-{users}"
    csv.parent.mkdir(parents=True, exist_ok=True)
    env = dict(env, BENCH_SCENARIO=scenario)
    for seconds, extra in ((args.warmup, []), (args.duration, ["--csv", str(csv)])):
        command = [str(BIN / "locust"), "-f", "bench/locustfile.py", "--headless"]
        command += ["-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--only-summary"]
        command += ["--host", f"http://127.0.0.1:{args.port}", "--loglevel", "ERROR", *extra]
        subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
    return report.locust_row(csv, users)


def run_size(args, size: int) -> dict:
    env = base_env(args, size)
    figures = {"size": size, "workers": args.workers, **prepare(args, size, env)}
    if args.prepare_only:
        return figures
    log("probing in process (queries per request, predict, similar)")
    done = subprocess.run(
        [str(BIN / "python"), "bench/probe.py"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"bench/probe.py failed: {done.stderr[-3000:]}")
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    token = probe.pop("token")
    figures["probe"] = probe
    load_env = dict(
        env,
        BENCH_TOKEN=token,
        BENCH_ID_MIN=str(probe["id_min"]),
        BENCH_ID_MAX=str(probe["id_max"]),
        BENCH_DEEP_PATH=probe["deep_path"],
    )
    figures["load"] = {}
    with open(OUT / "gunicorn.log", "a") as log_file:
        server = serve(args, env, log_file)
        try:
            chosen = args.scenarios.split(",") if args.scenarios else []
            for scenario in (s for s in (*WRITE_SCENARIOS, *READ_SCENARIOS) if s in chosen):
                users = args.write_users if scenario in WRITE_SCENARIOS else args.users
                row = load(args, scenario, load_env, users)
                figures["load"][scenario] = row
                log(f"{scenario}: {row}")
            # Latency without queueing: one client, so each request has a worker to itself.
            for scenario in args.latency_scenarios.split(",") if args.latency_scenarios else ():
                row = load(args, scenario, load_env, 1)
                figures["load"][f"{scenario}@1"] = row
                log(f"{scenario} (1 client): {row}")
            figures["worker_rss_mb"] = resources.worker_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated ticket counts")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--users", type=int, default=4, help="concurrent clients, reads")
    parser.add_argument("--write-users", type=int, default=8, help="clients, create/floor")
    parser.add_argument("--duration", type=int, default=20, help="seconds measured per endpoint")
    parser.add_argument(
        "--scenarios",
        default=",".join((*WRITE_SCENARIOS, *READ_SCENARIOS)),
        help="endpoints loaded with --users/--write-users clients (comma-separated)",
    )
    parser.add_argument(
        "--latency-scenarios",
        default="create,list_first,retrieve,similar",
        help="also measured with a single client (comma-separated, empty for none)",
    )
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per endpoint")
    parser.add_argument("--port", type=int, default=8310, help="8300-8399")
    parser.add_argument("--reuse", action="store_true", help="keep an existing bench_<N> db")
    # Several checkouts benchmarking on one server: each its own databases (bench_<name>_<N>).
    parser.add_argument("--db-prefix", default="bench", help="databases <prefix>_<N>")
    parser.add_argument("--prepare-only", action="store_true", help="seed and train only")
    parser.add_argument("--drop", action="store_true", help="drop the bench_<N> dbs at the end")
    parser.add_argument("--pg-host", default=os.environ.get("BENCH_PG_HOST", "127.0.0.1"))
    parser.add_argument("--pg-port", type=int, default=int(os.environ.get("BENCH_PG_PORT", 5432)))
    parser.add_argument("--pg-user", default=os.environ.get("BENCH_PG_USER", "postgres"))
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": resources.machine(psql(args, "SHOW server_version")),
        "settings": {k: v for k, v in vars(args).items() if not k.startswith("pg_")},
        "sizes": [],
    }
    for size in (int(s) for s in args.sizes.split(",")):
        results["sizes"].append(run_size(args, size))
        if args.drop:
            psql(args, f'DROP DATABASE IF EXISTS "{args.db_prefix}_{size}"')
    results["machine"]["load_average_end"] = os.getloadavg()[0]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for name in (f"{stamp}.json", "latest.json"):
        (OUT / name).write_text(json.dumps(results, indent=2))
    if args.prepare_only:
        print(json.dumps(results["sizes"]))
        return
    table = report.markdown(results)
    (OUT / "latest.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
