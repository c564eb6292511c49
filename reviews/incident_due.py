"""An incident's overdue deadlines in one figure kept on the incident by the database, so the
tracker list's overdue filter reads an index on `serious_incident` in list order instead of
matching the incidents against every overdue deadline of the partnership (13,482 of them at
100,000 cases).

- `overdue_from`: the earliest date past which one of its open, unpaused deadlines is overdue
  (tracker.kept_due.OVERDUE_FROM, as the child death cases keep it): the incident is overdue
  when `overdue_from < today`, which is tracker.overdue_owners' test.

Kept by triggers on `deadline` made by tracker.kept_due; made with the tables, and for an
existing database by migration 0030 with a frozen copy (a change here needs a new migration).
"""

from tracker import kept_due

OWNER = "serious_incident"

KEPT = kept_due.keep(kept_due.KeptDue(OWNER, (("overdue_from", kept_due.OVERDUE_FROM),)))
