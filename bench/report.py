"""Locust's CSV figures and the markdown table of a run."""

import csv
from pathlib import Path

LABELS = {
    "floor": "floor: bare DRF insert (bench only)",
    "create": "create (classify + route + audit)",
    "list_first": "list, first page",
    "list_deep": "list, deep page",
    "retrieve": "retrieve",
    "similar": "similar (top 5)",
    "agents": "agents with load",
    "trends": "analytics trends ?days=30",
    "trends_day": "analytics trends ?days=30&interval=day",
    "mttr": "analytics mttr ?days=30",
    "mttr_category": "analytics mttr ?days=30&by=category",
    "backlog": "analytics backlog",
    "analytics_agents": "analytics agents ?days=30",
    "sla": "analytics sla ?days=30",
    "sla_at_risk": "analytics sla at_risk",
}


def locust_row(prefix: Path, users: int) -> dict:
    """The Aggregated row of locust's <prefix>_stats.csv."""
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        return {"error": "locust wrote no statistics"}
    with path.open() as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")
    requests = int(row["Request Count"])
    return {
        "users": users,
        "requests": requests,
        "failures": int(row["Failure Count"]),
        "rps": round(float(row["Requests/s"]), 1),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "p99_ms": float(row["99%"]),
    }


def _ms(value) -> str:
    return "–" if value is None else f"{value:g}"


def _sweep_lines(sweep: dict | None) -> list[str]:
    if not sweep:
        return []
    idle = sweep["idle_pass"]
    return [
        f"- SLA sweep (`sla_check`): {sweep['tickets_with_instants']:,} tickets with due dates, "
        f"{sweep['open']:,} open, {sweep['to_look_at']:,} with an instant ahead; first pass "
        f"{sweep['first_pass_ms']} ms ({sweep['first_pass_recorded']} events); with nothing "
        f"due, p50 {idle['p50_ms']} / max {idle['max_ms']} ms over {idle['n']} passes"
    ]


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"Run {results['started_at']} on {m['nproc']} CPUs, {m['ram_gb']} GB RAM, PostgreSQL "
        f"{m['postgresql']}, Python {m['python']}; load average {m['load_average_start']:.1f} "
        f"at the start, {m.get('load_average_end', 0):.1f} at the end"
        + (" (machine shared with other work)" if m["load_average_start"] > 1.0 else "")
        + ".",
        "",
    ]
    for size in results["sizes"]:
        load, probe = size["load"], size["probe"]
        rss = ", ".join(f"{w['rss_mb']} (PSS {w['pss_mb']})" for w in size.get("worker_rss_mb", []))
        lines += [
            f"### {size['size']:,} tickets, {size['workers']} gunicorn workers",
            "",
            "| endpoint | clients | req/s | p50 ms | p95 ms | p99 ms | failures | SQL queries |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        query_keys = {
            "floor": "floor",
            "create": "create",
            "list_first": "list_first page_size=10",
            "list_deep": "list_deep page_size=10",
            "retrieve": "retrieve",
            "similar": "similar top=5",
            "agents": "agents",
            "trends": "analytics/trends/?days=30",
            "trends_day": "analytics/trends/?days=30&interval=day",
            "mttr": "analytics/mttr/?days=30",
            "mttr_category": "analytics/mttr/?days=30&by=category",
            "backlog": "analytics/backlog/",
            "analytics_agents": "analytics/agents/?days=30",
            "sla": "analytics/sla/?days=30",
            "sla_at_risk": "analytics/sla/at_risk/",
        }
        keys = [(key, label) for key, label in LABELS.items()]
        keys += [(f"{key}@1", f"{label}, 1 client") for key, label in LABELS.items()]
        for key, label in keys:
            row = load.get(key)
            if not row or "error" in row:
                continue
            queries = probe["queries"].get(query_keys.get(key.split("@")[0], ""), "–")
            lines.append(
                f"| {label} | {row['users']} | {row['rps']:g} | {_ms(row['p50_ms'])} | "
                f"{_ms(row['p95_ms'])} | {_ms(row['p99_ms'])} | {row['failures']} | {queries} |"
            )
        floor, create = load.get("floor", {}), load.get("create", {})
        if floor.get("rps") and create.get("rps"):
            lines += ["", f"create / floor throughput: **{create['rps'] / floor['rps']:.2f}**"]
        inproc = probe["in_process"]
        lines += [
            "",
            f"- seeding: {size.get('seed_seconds', '–')} s; training: "
            f"{size.get('train_seconds', '–')} s (command {size.get('train_wall_seconds', '–')} s,"
            f" peak RSS {size.get('train_peak_rss_mb', '–')} MB, held-out macro-F1 "
            f"{size.get('macro_f1', '–')})",
            f"- in process: predict p50 {inproc['predict']['p50_ms']} / p95 "
            f"{inproc['predict']['p95_ms']} ms; similar (model) p50 "
            f"{inproc['similar_model_top5']['p50_ms']} / p95 "
            f"{inproc['similar_model_top5']['p95_ms']} ms; similar (endpoint, test client) p50 "
            f"{inproc['similar_endpoint_top5']['p50_ms']} / p95 "
            f"{inproc['similar_endpoint_top5']['p95_ms']} ms",
            *_sweep_lines(probe.get("sla_sweep")),
            f"- gunicorn workers' RSS MB: {rss}; "
            f"similarity index {probe['similarity_index_mb']} MB",
            "- SQL queries per request at page size 10 / 100: list first "
            f"{probe['queries']['list_first page_size=10']} / "
            f"{probe['queries']['list_first page_size=100']}, deep "
            f"{probe['queries']['list_deep page_size=10']} / "
            f"{probe['queries']['list_deep page_size=100']}; similar top 5 / 20: "
            f"{probe['queries']['similar top=5']} / {probe['queries']['similar top=20']}",
            "",
        ]
    return "\n".join(lines)
