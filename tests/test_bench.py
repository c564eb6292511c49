"""`make bench` at a tiny size: the pages it measures answer, and the closing table puts the
databases side by side. On PostgreSQL (DATABASE_URL) it measures both databases at once."""

import os
import re

import pytest
import sqlalchemy as sa

from bench import bench

PAGES = ["My cases", "Home (designated doctor)"]


@pytest.fixture
def databases(monkeypatch, tmp_path):
    """The databases to bench (PostgreSQL too when the suite runs on it), in a scratch folder
    (where --reuse keeps SQLite files); the PostgreSQL bench schemas are dropped after."""
    monkeypatch.chdir(tmp_path)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
        yield ["sqlite"]
        return
    monkeypatch.setenv("BENCH_DATABASE_URL", url)
    yield ["sqlite", "postgresql"]
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for size in (30, 60):
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS bench_{size} CASCADE"))
    engine.dispose()


def _table(out):
    """The closing table's rows: label -> the cells after it, per database."""
    table = out.split("== Pages:")[1]
    return {line.split("|")[0].strip(): [cell.split() for cell in line.split("|")[1:]]
            for line in table.splitlines()[3:] if "|" in line}


def test_the_bench_prints_each_database_beside_the_other(databases, capsys):
    bench.main(["--sizes", "30", "60", "--repeat", "2", "--databases", *databases,
                "--pages", *PAGES])

    out = capsys.readouterr().out
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    header = out.split("== Pages:")[1].splitlines()[1]
    assert [cell.strip() for cell in header.split("|")[1:]] == [names[d] for d in databases]
    rows = _table(out)
    assert set(rows) == {"My cases (designated doctor)", "Home (designated doctor)"}
    for cells in rows.values():
        assert len(cells) == len(databases)
        for thirty, sixty, ratio, queries, *_ in cells:
            assert float(thirty) > 0 and float(sixty) > 0 and float(ratio) > 0
            assert re.fullmatch(r"\d+", queries)  # the same count at both sizes
    assert "HTTP" not in out  # every page answered 200


def test_a_kept_database_is_used_again_without_seeding(databases, capsys):
    arguments = ["--sizes", "30", "--repeat", "1", "--databases", *databases, "--reuse",
                 "--pages", "My cases"]
    bench.main(arguments)
    assert capsys.readouterr().out.count("seeded in") == len(databases)

    bench.main(arguments)
    out = capsys.readouterr().out
    assert "seeded in" not in out
    assert len(_table(out)["My cases (designated doctor)"]) == len(databases)
