"""Reminders: every stored deadline and every action with a due date, reminded exactly once.

- `policy`: when a deadline reminds (before, on the day, overdue, escalation), pure functions.
- `models`: the policies a partnership edits, the reminder ledger (one row per reminder, under
  a unique key, which is also the in-app notice) and the scheduler's heartbeat.
- `sources`: how a domain tells the shell what it owns that has a due date, and who to remind.
- `passes`: one pass: work out from the database what is due today, claim it, queue e-mail.
- `emails`: the digest and single-reminder messages (never a name or NHS number).
- `scheduler`: `flask scheduler run`, the only process that runs passes on a timetable.

The outgoing mail queue itself is `tracker.mail`, shared with meeting invitations.
"""
