"""Benchmark: page times and query counts at 1,000 and 100,000 cases, and the rules engine.

Run with `make bench` (or `python -m bench.bench --sizes 1000 100000 --repeat 30`).
It prints figures and never fails on a slow machine. Each size gets a throwaway SQLite
database in a temporary folder; when BENCH_DATABASE_URL is set, PostgreSQL is measured too
(in a schema bench_<size> of that database, emptied first) and the closing table puts both
databases side by side. `--databases`, `--pages` and `--reuse` choose what to run (--help).
"""

import argparse
import os
import statistics
import tempfile
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from bs4 import BeautifulSoup

from bench.exports import bench_exports
from bench.pages import PAGES, resolved
from bench.reminders import bench_reminders
from tracker import calendar, create_app, deadline_bulk, demo
from tracker.audit import AuditEvent
from tracker.db_maintenance import analyze
from tracker.extensions import db
from tracker.models import ClosureDay, Partnership

# The demo's "today": the cases' dates are seeded around it, and the reminder pass runs on it.
SEED_TODAY = date(2026, 11, 23)
# Audit rows seeded per case, so the audit page is measured on a trail of realistic size.
AUDIT_ROWS_PER_CASE = 5



def main(argv=None):
    """Run every benchmark and print the figures."""
    args = _parse(argv)
    databases = _databases(args.databases)
    pages_only = args.pages is not None
    if not pages_only:
        _bench_calendar(args.calls)
    pages = _chosen(PAGES, args.pages)
    results = {}
    for size in args.sizes:
        for database, url in databases:
            with _bench_app(database, url, size, args.reuse) as (app, seeded):
                print(f"\n== {database}, {size:,} cases")
                with app.app_context():
                    if not seeded:
                        _seed(size)
                        # The reminder pass is part of the data: the notices pages show it.
                        bench_reminders(app, SEED_TODAY)
                        _mark_seeded(size)
                    elif not pages_only:
                        bench_reminders(app, SEED_TODAY)
                    if not pages_only:
                        _bench_recompute(size)
                    engine = db.engine
                # Requests run outside that app context, as on a server: each gets its own `g`.
                results[database, size] = _bench_pages(app, engine, args.repeat, pages)
                if not pages_only:
                    # The case list export at this many child death cases: time and peak
                    # memory. It may add child death cases, so a kept database is reseeded.
                    with app.app_context():
                        _unmark_seeded()
                    bench_exports(app, size)
    _print_table(results, [d for d, _ in databases], args.sizes, pages)


def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--repeat", type=int, default=30, help="requests per page")
    parser.add_argument("--calls", type=int, default=1_000_000, help="add_working_days calls")
    parser.add_argument(
        "--databases", nargs="+", choices=["sqlite", "postgresql"],
        help="the databases to measure side by side (default: SQLite, and PostgreSQL too "
             "when BENCH_DATABASE_URL is set); PostgreSQL needs BENCH_DATABASE_URL")
    parser.add_argument(
        "--pages", nargs="*", metavar="TEXT",
        help="measure only the pages (those whose label contains one of these words, "
             "case-insensitive, or all of them): the rules engine, recompute and export "
             "benchmarks are then skipped")
    parser.add_argument(
        "--reuse", action="store_true",
        help="keep each seeded database (SQLite: instance/bench/; PostgreSQL: a schema per "
             "size) and use it again next time instead of seeding anew")
    return parser.parse_args(argv)


def _databases(names):
    """(name, SQLAlchemy URL or None for SQLite) of each database to measure."""
    url = os.environ.get("BENCH_DATABASE_URL")
    names = names or (["sqlite", "postgresql"] if url else ["sqlite"])
    if "postgresql" in names and not url:
        raise SystemExit("Set BENCH_DATABASE_URL=postgresql+psycopg://... to bench PostgreSQL "
                         "(that database's bench schemas are emptied).")
    return [("SQLite", None) if name == "sqlite" else ("PostgreSQL", url) for name in names]


def _chosen(pages, texts):
    """The pages whose label contains one of `texts` (every page when there are none)."""
    if not texts:
        return pages
    chosen = [page for page in pages if any(t.lower() in page[0].lower() for t in texts)]
    if not chosen:
        raise SystemExit(f"No page's label contains any of {texts}.")
    return chosen


@contextmanager
def _bench_app(database, url, size, reuse):
    """An app on its own database for this size, and whether that database is seeded.

    SQLite: a file in a temporary folder (or instance/bench/ with `reuse`). PostgreSQL: the
    schema bench_<size> of BENCH_DATABASE_URL's database, emptied unless `reuse`.
    """
    with tempfile.TemporaryDirectory() as folder:
        if url is None:
            kept = Path("instance") / "bench"
            if reuse:
                kept.mkdir(parents=True, exist_ok=True)
            uri = f"sqlite:///{(kept if reuse else Path(folder)).resolve() / f'{size}.sqlite'}"
        else:
            schema = f"bench_{size}"
            _make_schema(url, schema, empty=not reuse)
            separator = "&" if "?" in url else "?"
            uri = f"{url}{separator}options=-csearch_path%3D{schema}"
        app = create_app({"CONFIG_CLASS": "development", "SQLALCHEMY_DATABASE_URI": uri,
                          "WTF_CSRF_ENABLED": True})
        with app.app_context():
            seeded = reuse and _seeded_size() == size
            if not seeded:
                db.drop_all()
                db.create_all()
        yield app, seeded
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _make_schema(url, schema, empty):
    """Create a PostgreSQL schema (dropping it and its tables first when `empty`)."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        if empty:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    engine.dispose()


def _seeded_size():
    """The size a kept database was seeded with, or None."""
    if not sa.inspect(db.engine).has_table("bench_seeded"):
        return None
    return db.session.execute(sa.text("SELECT size FROM bench_seeded")).scalar()


def _mark_seeded(size):
    """Note that this database holds a complete seed of `size` cases (for --reuse)."""
    db.session.execute(sa.text("CREATE TABLE IF NOT EXISTS bench_seeded (size INTEGER)"))
    db.session.execute(sa.text("DELETE FROM bench_seeded"))
    db.session.execute(sa.text("INSERT INTO bench_seeded (size) VALUES (:size)"),
                       {"size": size})
    db.session.commit()


def _unmark_seeded():
    db.session.execute(sa.text("DROP TABLE IF EXISTS bench_seeded"))
    db.session.commit()


def _seed(size):
    """Demo users and `size` synthetic cases, with their stored deadlines."""
    started = time.perf_counter()
    demo.seed_people()
    demo.seed_cases(size, today=SEED_TODAY)
    _seed_audit_trail(size * AUDIT_ROWS_PER_CASE)
    # The planner's statistics, as autovacuum would gather them a while after a bulk load.
    analyze()
    elapsed = time.perf_counter() - started
    deadlines = db.session.execute(sa.text("SELECT count(*) FROM deadline")).scalar()
    print(f"  {size:,} cases ({deadlines:,} stored deadlines, "
          f"{size * AUDIT_ROWS_PER_CASE:,} audit rows): seeded in {elapsed:.1f} s")


def _seed_audit_trail(count, batch=20_000):
    """A realistic audit trail: views and updates of cases spread over three years."""
    partnership_ids = db.session.scalars(sa.select(Partnership.id)).all()
    user_ids = db.session.execute(sa.text('SELECT id, email FROM "user"')).all()
    start = datetime(2023, 11, 23)
    rows = []
    for n in range(count):
        user_id, email = user_ids[n % len(user_ids)]
        rows.append({
            "occurred_at": start + timedelta(minutes=n * 3 * 365 * 24 * 60 // max(count, 1)),
            "user_id": user_id, "user_email": email,
            "action": "view" if n % 3 else "update", "object_type": "ChildDeathCase",
            "object_id": str(n // AUDIT_ROWS_PER_CASE + 1),
            "object_label": f"CDOP-BENCH-{n // AUDIT_ROWS_PER_CASE:06d}",
            "partnership_id": partnership_ids[n % len(partnership_ids)],
            "changes": None if n % 3 else {"stage": ["notified", "information"]},
        })
        if len(rows) == batch:
            db.session.execute(sa.insert(AuditEvent.__table__), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(AuditEvent.__table__), rows)
    db.session.commit()


def _bench_calendar(calls):
    """One million add_working_days calls, with and without a partnership's closure days."""
    print("== Rules engine")
    starts = [date(2020, 1, 1).toordinal() + (i * 7919) % 3000 for i in range(1000)]
    starts = [date.fromordinal(o) for o in starts]

    class _Closures:
        closure_dates = frozenset({date(2024, 12, 24), date(2025, 12, 24)})

    for label, partnership in (("no partnership", None), ("partnership closures", _Closures())):
        calendar.add_working_days(starts[0], 5, partnership)  # build caches outside the timing
        began = time.perf_counter()
        for i in range(calls):
            calendar.add_working_days(starts[i % 1000], 5 + i % 20, partnership)
        elapsed = time.perf_counter() - began
        print(f"  {calls:,} add_working_days calls ({label}): {elapsed:.2f} s")


def _bench_recompute(size):
    """Recompute every stored deadline: unchanged, then after closure days come and go."""
    partnerships = db.session.scalars(sa.select(Partnership)).all()
    _timed_recompute("nothing changed")
    closures = [date(2024, 12, 24), date(2025, 12, 24), date(2026, 4, 7)]
    for partnership in partnerships:
        for day in closures:
            db.session.add(ClosureDay(partnership=partnership, day=day, description="Bench"))
        partnership.rules_version += 1
    db.session.commit()
    _timed_recompute(f"after {len(closures)} closure days in each partnership")
    db.session.execute(sa.delete(ClosureDay))
    for partnership in partnerships:
        partnership.rules_version += 1
    db.session.commit()
    db.session.expire_all()
    _timed_recompute("after removing them again")


def _timed_recompute(label):
    """Time one recompute_all and print how many stored deadlines moved."""
    began = time.perf_counter()
    changed = deadline_bulk.recompute_all()
    elapsed = time.perf_counter() - began
    print(f"  recompute every stored deadline, {label}: {elapsed:.2f} s ({changed:,} moved)")


def _bench_pages(app, engine, repeat, pages):
    """Median and 95th percentile of repeated requests, and SQL queries per request.

    Returns {label: (median ms, most queries, HTTP status)}.
    """
    counter = _QueryCounter(engine)
    print(f"  {'page':<42}{'median ms':>10}{'p95 ms':>10}{'queries':>9}")
    clients, results = {}, {}
    for label, email, path in resolved(app, pages):
        client = clients.get(email) or _signed_in(app, email)
        clients[email] = client
        timings, queries = [], []
        moved = client.get(path)
        if moved.status_code == 302:  # a search by name or NHS number: measured at its id
            path = moved.location
        for _ in range(repeat):
            counter.count = 0
            began = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - began) * 1000)
            queries.append(counter.count)
        status = "" if response.status_code == 200 else f"  (HTTP {response.status_code})"
        p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else timings[0]
        print(f"  {label:<42}{statistics.median(timings):>10.1f}{p95:>10.1f}"
              f"{max(queries):>9}{status}")
        results[label] = (statistics.median(timings), max(queries), response.status_code)
    counter.remove()
    return results


def _print_table(results, databases, sizes, pages):
    """Each page's median ms at each size, the ratio largest/smallest and its queries per
    request (one figure when every size needs the same number), database beside database.

    A "!" marks a page off the goals: median at most 50 ms at the largest size, within twice
    the smallest size's figure, and the same number of queries at every size.
    """
    print("\n== Pages: median ms per request; ratio of the largest size to the smallest; "
          "queries per request")
    head = f"  {'':<42}"
    columns = "".join(f"{size:>9,}" for size in sizes) + f"{'ratio':>7}{'queries':>9}  "
    width = len(columns)
    print(head + "".join(f"| {name:<{width - 2}}" for name in databases))
    print(head + "".join(f"| {columns[2:]}" for _ in databases))
    for label, _, _ in pages:
        line = f"  {label[:41]:<42}"
        for database in databases:
            found = [results.get((database, size), {}).get(label) for size in sizes]
            if any(row is None for row in found):
                line += f"| {'(not measured)':<{width - 2}}"
                continue
            medians = [row[0] for row in found]
            counts = sorted({row[1] for row in found})
            ratio = medians[-1] / medians[0] if medians[0] else 0
            off = (medians[-1] > 50 or ratio > 2 or len(counts) > 1
                   or any(row[2] != 200 for row in found))
            cells = "".join(f"{m:>9.1f}" for m in medians)
            queries = "/".join(str(c) for c in counts)
            line += f"| {cells[2:]}{ratio:>7.2f}{queries:>9} {'!' if off else ' '}"
        print(line)


def _signed_in(app, email):
    """A test client signed in through the real sign-in form."""
    client = app.test_client()
    html = client.get("/sign-in").get_data(as_text=True)
    token = BeautifulSoup(html, "html.parser").find("input", {"name": "csrf_token"})["value"]
    response = client.post("/sign-in", data={"email": email, "password": demo.DEMO_PASSWORD,
                                             "csrf_token": token})
    if response.status_code != 302:
        raise RuntimeError(f"Could not sign in as {email}")
    return client


class _QueryCounter:
    """Counts SQL statements sent to the database."""

    def __init__(self, engine):
        self.engine = engine
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, *args, **kwargs):
        self.count += 1

    def remove(self):
        sa.event.remove(self.engine, "before_cursor_execute", self._on_execute)


if __name__ == "__main__":
    main()
