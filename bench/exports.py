"""Benchmark of the largest exports: the child death case list and the NCMD export, each one's
time and peak memory.

`bench_exports(app, rows)` tops the database up to `rows` child death cases (the demo shares
cases between the domains), then downloads the case list export, with the children's
identifying details, in a fresh Python process signed in as a CDOP administrator of every
partnership. The process reports its own peak resident memory (VmHWM), so the figure is the
export's whole footprint (interpreter, app and export), not a guess from inside. Above
EXPORT_INLINE_MAX_ROWS the request answers at once with a redirect to the progress page (its
time is reported); the export is then built as the scheduler's job builds it
(tracker.export_jobs), in the same process, and its file downloaded.
Targets (issue 16): within 60 s and under 300 MB.

The measured process gets the signed-in session cookie in BENCH_SESSION_COOKIE (prints one
JSON line).
"""

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from datetime import date

import sqlalchemy as sa

from tracker import demo
from tracker.audit import AuditEvent
from tracker.domains import registered_domains
from tracker.extensions import db
from tracker.models import Partnership, User
from tracker.passwords import hash_password
from tracker.roles import Role

EXPORTER = "bench.exporter@example.org"
EXPORT_PATH = "/child-deaths/spreadsheet?identifying=yes"
# (what it is, its path, the sheet of cases, the sheet of agency requests): each measured.
EXPORTS = [
    ("case list export", EXPORT_PATH, "Cases", "Agency requests"),
    ("NCMD export", "/child-deaths/ncmd/export?identifying=yes", "Notification form",
     "Reporting form"),
]
TIME_TARGET_S, MEMORY_TARGET_MB = 60, 300


def bench_exports(app, rows, today=date(2026, 11, 23)):
    """Top up to `rows` child death cases, then time the case list export in a subprocess.

    `today` is the day the added cases' dates are seeded around (the benchmark's own).
    """
    from bench.bench import _signed_in

    with app.app_context():
        added = _top_up_child_deaths(rows, today)
        _exporter()
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
        db.session.remove()
    if added:
        print(f"  (added {added:,} child death cases for the export: {rows:,} in all)")
    # Signed in here, so the measured process never runs Argon2 (its memory would hide the
    # export's): the session cookie is handed over.
    cookie = _signed_in(app, EXPORTER).get_cookie("session").value
    for number, (what, *_) in enumerate(EXPORTS):
        _bench_one(uri, cookie, number, what)


def _bench_one(uri, cookie, number, what):
    """Measure one of EXPORTS in its own process and print its figures."""
    result = subprocess.run(  # noqa: S603 (this same module, with fixed arguments)
        [sys.executable, "-m", "bench.exports", "--uri", uri, "--export", str(number)],
        capture_output=True, text=True, check=False,
        env={**os.environ, "BENCH_SESSION_COOKIE": cookie})
    if result.returncode != 0:
        print(f"  {what} failed:\n{result.stderr[-3000:]}")
        return
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    verdict = ("within" if figures["seconds"] <= TIME_TARGET_S
               and figures["peak_mb"] < MEMORY_TARGET_MB else "OUTSIDE")
    print(f"  {what}, {figures['rows']:,} cases + {figures['requests']:,} requests:"
          f" the request answered in {figures['answered_seconds']:.2f} s,"
          f" the file was downloaded after"
          f" {figures['seconds']:.1f} s ({figures['cpu_seconds']:.1f} s of CPU),"
          f" peak memory {figures['peak_mb']:.0f} MB"
          f" (the app before it: {figures['resident_mb']:.0f} MB resident, peak"
          f" {figures['baseline_mb']:.0f} MB),"
          f" {figures['bytes'] / 1e6:.1f} MB file: {verdict} the targets"
          f" ({TIME_TARGET_S} s, {MEMORY_TARGET_MB} MB)")


def _top_up_child_deaths(rows, today):
    """Seed more child death cases until there are `rows`; how many were added."""
    (seeder,) = [domain.demo for domain in registered_domains()
                 if domain.name == "cdr" and domain.demo is not None]
    missing = rows - seeder.count()
    if missing <= 0:
        return 0
    partnerships = db.session.scalars(sa.select(Partnership).order_by(Partnership.id)).all()
    start = sum(domain.demo.count() for domain in registered_domains() if domain.demo) + 1
    seeder.seed(random.Random(16), partnerships, range(start, start + missing), today)
    db.session.commit()
    return missing


def _exporter():
    """A CDOP administrator of every partnership, so the export holds every case."""
    if db.session.scalar(sa.select(User.id).where(User.email == EXPORTER)):
        return
    user = User(email=EXPORTER, full_name="Bench Exporter", role=Role.CDOP_ADMIN.value,
                password_hash=hash_password(demo.DEMO_PASSWORD))
    user.partnerships = db.session.scalars(sa.select(Partnership)).all()
    db.session.add(user)
    db.session.commit()


def _peak_mb():
    """This process's peak resident memory so far, in MB.

    Linux's VmHWM, which starts afresh when the process starts: ru_maxrss would also count
    the parent's memory at the fork (the benchmark's, with every seeded case in it).
    """
    return _proc_status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _resident_mb():
    """This process's resident memory now, in MB (Linux; 0 elsewhere)."""
    return _proc_status_mb("VmRSS")


def _proc_status_mb(field):
    """A memory figure from /proc/self/status in MB, or 0 when there is none."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0


def _measure(uri, session_cookie, number=0):
    """Download an export (of EXPORTS) once; its time, size, rows and this process's peak
    memory."""
    from tracker import create_app

    app = create_app({"CONFIG_CLASS": "development", "SQLALCHEMY_DATABASE_URI": uri,
                      "WTF_CSRF_ENABLED": True})
    client = app.test_client()
    client.set_cookie("session", session_cookie)
    baseline, resident = _peak_mb(), _resident_mb()
    began, cpu = time.perf_counter(), time.process_time()
    _, path, cases_sheet, requests_sheet = EXPORTS[number]
    response = client.get(path, buffered=False)
    answered = time.perf_counter() - began
    if response.status_code == 302:
        # Too large for the request: it went to a progress page; build it as the scheduler's
        # job does, in this process, then download the file.
        response = _build_and_download(app, client, response.location)
    size = sum(len(chunk) for chunk in response.response)
    response.close()
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    if response.status_code != 200:
        raise RuntimeError(f"The export answered HTTP {response.status_code}")
    with app.app_context():
        detail = db.session.scalar(sa.select(AuditEvent.detail).where(
            AuditEvent.action == "export").order_by(AuditEvent.id.desc()).limit(1))
    counts = {name: int(n.replace(",", "")) for name, n in
              re.findall(rf"({cases_sheet}|{requests_sheet}) ([\d,]+) rows?", detail or "")}
    return {"seconds": elapsed, "answered_seconds": answered, "cpu_seconds": cpu,
            "bytes": size, "peak_mb": _peak_mb(),
            "baseline_mb": baseline, "resident_mb": resident,
            "rows": counts.get(cases_sheet, 0), "requests": counts.get(requests_sheet, 0)}


def _build_and_download(app, client, progress_url):
    """Build the queued export (tracker.export_jobs), download it, and delete the file."""
    from tracker import export_jobs

    with app.app_context():
        export_jobs.build_queued()
        job = db.session.get(export_jobs.ExportJob, int(progress_url.rstrip("/").split("/")[-1]))
        path = export_jobs.file_of(job)
    response = client.get(f"{progress_url}/download", buffered=False)
    path.unlink(missing_ok=True)  # the open download keeps reading it
    return response


def main(argv=None):
    """Measure one export and print its figures as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uri", required=True)
    parser.add_argument("--export", type=int, default=0, help="which of EXPORTS")
    args = parser.parse_args(argv)
    print(json.dumps(_measure(args.uri, os.environ["BENCH_SESSION_COOKIE"], args.export)))


if __name__ == "__main__":
    main()
