"""A heartbeat for long work: a thread that records "still alive" on a row until stopped.

A scheduler run and an export build each beat one (`scheduler_run.heartbeat_at`,
`export_job.heartbeat_at`). The thread beats whatever the work is doing (preparing its rows,
writing them, saving a workbook for minutes), so the only way a heartbeat goes stale is the
process dying: then a sweep that finds it older than its limit fails the row. Each beat is a
short transaction on a connection of its own, holding no lock the work needs; a beat that
cannot be written (the database busy) is skipped and the next one tries again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa

from tracker.extensions import db
from tracker.timeutil import utcnow

log = logging.getLogger(__name__)


class Heartbeat(threading.Thread):
    """Sets `table.heartbeat_at` of row `row_id` every `every` until stopped (a context
    manager: started on entry, stopped on exit). Not on an in-memory SQLite database: one
    connection is shared by every thread there, and no other process could see a beat."""

    def __init__(self, table: sa.Table, row_id: int, every: timedelta, what: str,
                 now_fn: Callable[[], datetime] = utcnow):
        super().__init__(name=f"{what} {row_id} heartbeat", daemon=True)
        self.engine, self.table, self.row_id = db.engine, table, row_id
        self.every, self.what, self.now_fn = every, what, now_fn
        self.stopped = threading.Event()

    def start(self):
        url = self.engine.url
        if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            return
        super().start()

    def stop(self):
        self.stopped.set()
        if self.is_alive():
            self.join()

    def __enter__(self) -> Heartbeat:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def run(self):
        while not self.stopped.wait(self.every.total_seconds()):
            try:
                with self.engine.begin() as connection:
                    connection.execute(sa.update(self.table)
                                       .where(self.table.c.id == self.row_id)
                                       .values(heartbeat_at=self.now_fn()))
            except sa.exc.OperationalError:  # busy: the next beat will do
                log.warning("%s %s: heartbeat not recorded", self.what, self.row_id)
