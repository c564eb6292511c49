"""The SQL behind one benchmarked page, slowest statements first, with their plans.

    BENCH_DATABASE_URL=postgresql+psycopg://... python -m bench.explain --size 100000 "My cases"

Uses the database the benchmark kept with `--reuse` for that size (run the bench with
`--reuse` first). Requests the page a few times as its user, times each SQL statement
(SQLAlchemy's before/after_cursor_execute events), and prints the slowest with
EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL or EXPLAIN QUERY PLAN on SQLite.
"""

import argparse
import time

import sqlalchemy as sa

from bench.bench import _bench_app, _chosen, _databases, _signed_in
from bench.pages import PAGES, resolved
from tracker.extensions import db


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", help="part of the page's label in bench.pages.PAGES")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--top", type=int, default=3, help="statements to explain")
    args = parser.parse_args(argv)
    [(database, url)] = _databases([args.database])
    with _bench_app(database, url, args.size, reuse=True) as (app, seeded):
        if not seeded:
            raise SystemExit(f"No kept database of {args.size:,} cases: run "
                             f"`python -m bench.bench --reuse --sizes {args.size} --pages` first.")
        [(label, email, path)] = resolved(app, _chosen(PAGES, [args.page])[:1])
        client = _signed_in(app, email)
        moved = client.get(path)
        path = moved.location if moved.status_code == 302 else path
        with app.app_context():
            engine = db.engine
        statements = _timed(engine, lambda: [client.get(path) for _ in range(3)])
        print(f"== {label}: {path} ({len(statements) // 3} statements a request)")
        slowest = sorted(statements, key=lambda s: -s[0])[: args.top * 3]
        shown = set()
        with engine.connect() as connection:
            for elapsed, statement, parameters in slowest:
                if statement in shown or len(shown) == args.top:
                    continue
                shown.add(statement)
                print(f"\n-- {elapsed:.1f} ms\n{statement}\n{parameters}")
                explain = ("EXPLAIN (ANALYZE, BUFFERS) " if database == "PostgreSQL"
                           else "EXPLAIN QUERY PLAN ")
                for row in connection.exec_driver_sql(explain + statement, parameters):
                    print("   ", " ".join(str(v) for v in row))


def _timed(engine, run):
    """[(ms, statement, parameters)] of every statement `run` sends."""
    found, started = [], {}

    def before(conn, cursor, statement, parameters, context, executemany):
        started[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        elapsed = (time.perf_counter() - started.pop(id(cursor))) * 1000
        found.append((elapsed, statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
    return found


if __name__ == "__main__":
    main()
