"""A real export opened by LibreOffice (headless, converted to CSV): every sheet converts, dates
are dates, and text that looks like a formula is never run.

LibreOffice is Debian's `libreoffice-calc-nogui` (installed by .ci/run). Without it the test
skips, except under CI (the CI environment variable set), where a skip would hide a gap.
"""

import csv
import os
import shutil
import subprocess
from datetime import date

import pytest

from tests.cdr.factories import make_case
from tests.cdr.test_exports import make_request

TODAY = date(2025, 6, 2)
# All sheets (-1), UTF-8 (76), comma-separated, cells as shown (so dates read as formatted).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


@pytest.fixture
def soffice():
    """The LibreOffice command; skips (or fails under CI) when it is not installed."""
    found = shutil.which("soffice")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("soffice not found, and CI is set: the LibreOffice test must run in "
                        "CI (apt-get install libreoffice-calc-nogui)", pytrace=False)
        pytest.skip("LibreOffice (soffice) not found: conversion test skipped")
    return found


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


def convert(soffice, workbook, tmp_path):
    """{sheet name: rows} of a workbook as LibreOffice converts it to CSV, one file a sheet."""
    out = tmp_path / "csv"
    result = subprocess.run(  # noqa: S603 (a fixed command on a file the test wrote)
        [soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", CSV_FILTER, "--outdir", str(out), str(workbook)],
        capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr
    sheets = {}
    for path in sorted(out.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            sheets[path.stem.removeprefix(f"{workbook.stem}-")] = list(csv.reader(handle))
    return sheets


def test_libreoffice_converts_the_case_list_export(cdop_client, partnership, soffice,
                                                  tmp_path):
    case = make_case(partnership, jar_required=True, date_of_death=date(2025, 5, 30))
    make_request(case, "=HYPERLINK(\"http://evil.example\",\"School\")", date(2025, 5, 1))
    make_request(case, "+1+1", date(2025, 5, 2))
    response = cdop_client.get("/child-deaths/spreadsheet")
    workbook = tmp_path / "cases.xlsx"
    workbook.write_bytes(response.get_data())
    response.close()

    sheets = convert(soffice, workbook, tmp_path)

    assert set(sheets) == {"About this file", "Cases", "Agency requests"}
    assert sheets["About this file"][0][0] == "OFFICIAL-SENSITIVE"
    header, row = sheets["Cases"]
    cases = dict(zip(header, row, strict=True))
    assert cases["Reference"] == case.reference
    assert cases["Date of death"] == "30 May 2025"  # a date cell, shown in its format
    assert cases["First rapid response meeting: status"] == "Due soon"
    header, *requests = sheets["Agency requests"]
    agencies = [dict(zip(header, each, strict=True))["Agency"] for each in requests]
    # Run as formulas these would read "School" and "2".
    assert sorted(agencies) == ["+1+1", "=HYPERLINK(\"http://evil.example\",\"School\")"]
