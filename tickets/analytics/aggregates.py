"""Duration statistics computed by the database, identical on PostgreSQL and SQLite: the time
to resolve (created_at to resolved_at) and the time to a first response (created_at to
first_response_at).

PostgreSQL has `percentile_cont`; SQLite has not, so there the same interpolation is written
with window functions. Both backends compute it in double precision with the same formula,
hence the same numbers (the tests run on both):

    x = fraction * (n - 1);  lo, hi = rows floor(x) and ceil(x) (0-based, ordered);
    value = lo + (hi - lo) * (x - floor(x))
"""

from django.db import connections
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    QuerySet,
)

MEDIAN = 0.5
P90 = 0.9


class ResolutionSeconds(Func):
    """resolved_at - created_at, in seconds, as a double.

    Django's temporal subtraction gives an interval on PostgreSQL and exact integer
    microseconds on SQLite (`django_timestamp_diff`). date_part (not EXTRACT, which goes
    through numeric, much slower over many rows) turns the interval into seconds;
    the two backends may then differ in the last bit, hence the rounding of the results.
    """

    output_field = FloatField()

    def __init__(self, end: str = "resolved_at", start: str = "created_at"):
        super().__init__(ExpressionWrapper(F(end) - F(start), output_field=DurationField()))

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="date_part('epoch', %(expressions)s)",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s) / 1000000.0", **extra)


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile: `percentile_cont(f) WITHIN GROUP (ORDER BY x)`."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("fraction must lie between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def resolution_stats(
    tickets: QuerySet, *, group_by: dict | None = None, end: str = "resolved_at"
) -> list[dict]:
    """Count, mean, median and 90th percentile of the seconds from created_at to `end` (the
    resolution, by default), in one query.

    `tickets` must hold tickets whose `end` is set only. `group_by` maps output names to field
    paths or expressions; without it, one row for all the tickets (count 0 and None figures
    when empty). Each row: the group's values, `count`, `mean_seconds`, `median_seconds`,
    `p90_seconds`.
    """
    rows, aliases = _durations(tickets, group_by or {}, end)
    if connections[tickets.db].vendor == "postgresql":
        stats = _postgresql(rows, list(aliases))
    else:
        stats = _window_functions(rows, list(aliases))
    return [_figures(row, aliases) for row in stats]


def resolution_stats_with_total(
    tickets: QuerySet, *, group_by: dict, end: str = "resolved_at"
) -> tuple[dict, list[dict]]:
    """The row of resolution_stats(tickets) and the rows of resolution_stats(tickets, group_by)
    (each with the same `end`).

    On PostgreSQL in one query (GROUPING SETS): the tickets are read once, not once for the
    total and again for the groups (docs/performance.md). SQLite has no grouping sets: there,
    the two queries.
    """
    if connections[tickets.db].vendor != "postgresql":
        return (
            resolution_stats(tickets, end=end)[0],
            resolution_stats(tickets, group_by=group_by, end=end),
        )
    rows, aliases = _durations(tickets, group_by, end)
    total, groups = {}, []
    for row in _postgresql_with_total(rows, list(aliases)):
        if row.pop("is_total"):
            total = _figures(row, {})
        else:
            groups.append(_figures(row, aliases))
    return total, groups


def _durations(tickets: QuerySet, group_by: dict, end: str) -> tuple[QuerySet, dict[str, str]]:
    """The tickets with their seconds from creation to `end` (`secs`) and group values (`g0`,
    `g1`...)."""
    aliases = {f"g{i}": name for i, name in enumerate(group_by)}
    rows = tickets.order_by().annotate(
        secs=ResolutionSeconds(end=end),
        **{alias: _expression(group_by[name]) for alias, name in aliases.items()},
    )
    return rows, aliases


def _figures(row: dict, aliases: dict[str, str]) -> dict:
    return {
        **{name: row[alias] for alias, name in aliases.items()},
        "count": row["count"],
        "mean_seconds": _seconds(row["mean"]),
        "median_seconds": _seconds(row["median"]),
        "p90_seconds": _seconds(row["p90"]),
    }


def _expression(spec):
    return F(spec) if isinstance(spec, str) else spec


def _seconds(value) -> float | None:
    # Millisecond precision: the last bits of a floating-point mean are noise, not data.
    return None if value is None else round(float(value), 3)


def _postgresql(rows: QuerySet, aliases: list[str]) -> list[dict]:
    figures = {
        "count": Count("*"),
        "mean": Avg("secs"),
        "median": PercentileCont("secs", MEDIAN),
        "p90": PercentileCont("secs", P90),
    }
    if not aliases:
        return [rows.aggregate(**figures)]
    return list(rows.values(*aliases).annotate(**figures).order_by())


def _postgresql_with_total(rows: QuerySet, aliases: list[str]) -> list[dict]:
    """The grouped figures plus one row over every ticket (`is_total`); an empty set gives
    the total row alone, as aggregate() does."""
    inner_sql, params = rows.values(*aliases, "secs").query.sql_with_params()
    groups = ", ".join(aliases)
    # Only fixed identifiers and constants are formatted in; values stay parameters.
    sql = (
        f"SELECT {groups}, GROUPING({groups}) <> 0 AS is_total,"  # noqa: S608
        " COUNT(*) AS count, AVG(secs) AS mean,"
        f" percentile_cont({MEDIAN!r}) WITHIN GROUP (ORDER BY secs) AS median,"
        f" percentile_cont({P90!r}) WITHIN GROUP (ORDER BY secs) AS p90"
        f" FROM ({inner_sql}) AS durations GROUP BY GROUPING SETS (({groups}), ())"
    )
    return _fetch(rows.db, sql, params)


def _lerp_columns(fraction: float, name: str) -> tuple[str, str]:
    """SQL for the two neighbouring values around the fraction, and for their interpolation."""
    x = f"({fraction!r} * (cnt - 1))"
    lo_row = f"(CAST({x} AS INTEGER) + 1)"  # CAST truncates: floor for x >= 0
    hi_row = f"({lo_row} + ({x} > CAST({x} AS INTEGER)))"
    picks = (
        f"MAX(CASE WHEN rn = {lo_row} THEN secs END) AS {name}_lo, "
        f"MAX(CASE WHEN rn = {hi_row} THEN secs END) AS {name}_hi"
    )
    n = f"({fraction!r} * (n - 1))"
    value = f"{name}_lo + ({name}_hi - {name}_lo) * ({n} - CAST({n} AS INTEGER)) AS {name}"
    return picks, value


def _window_functions(rows: QuerySet, aliases: list[str]) -> list[dict]:
    """The same figures as percentile_cont, with ROW_NUMBER/COUNT windows (SQLite)."""
    inner_sql, params = rows.values(*aliases, "secs").query.sql_with_params()
    groups = ", ".join(aliases)
    partition = f"PARTITION BY {groups} " if aliases else ""
    median_picks, median = _lerp_columns(MEDIAN, "median")
    p90_picks, p90 = _lerp_columns(P90, "p90")
    selected = f"{groups}, " if aliases else ""
    # Only fixed identifiers and constants are formatted in; values stay parameters.
    sql = (
        f"SELECT {selected}n AS count, mean, {median}, {p90} FROM ("  # noqa: S608
        f" SELECT {selected}COUNT(*) AS n, AVG(secs) AS mean, {median_picks}, {p90_picks}"
        f" FROM (SELECT {selected}secs,"
        f"  ROW_NUMBER() OVER ({partition}ORDER BY secs) AS rn,"
        f"  COUNT(*) OVER ({partition.strip()}) AS cnt"
        f"  FROM ({inner_sql}) AS durations) AS ranked"
        f" {'GROUP BY ' + groups if aliases else ''}) AS grouped"
    )
    return _fetch(rows.db, sql, params)


def _fetch(using: str, sql: str, params) -> list[dict]:
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
