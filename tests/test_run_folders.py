"""A test run keeps its files in its own temporary folder (tests/conftest.py
_run_folders): CI runs the SQLite and PostgreSQL suites side by side in one checkout."""

from pathlib import Path

from tracker import attachments, excel
from tracker.imports import pending


def test_a_runs_files_are_its_own_never_the_checkouts_instance_folder(app):
    instance = Path(app.instance_path).resolve()
    for folder in (excel.export_folder(), attachments.folder(), pending._folder()):
        assert not folder.resolve().is_relative_to(instance), folder
