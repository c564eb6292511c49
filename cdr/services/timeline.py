"""The case timeline: every notification, meeting, request, transfer and change, in order.

The shell keeps the timeline (tracker.timeline); this module is the name child death review
code uses for it: `timeline.add(case, kind, text, happened_on)` and `timeline.entries(case)`.
A case's timeline is ordered by when things happened, then by when they were recorded
(issue 24): a meeting recorded a week late sits on the day it was held.
"""

from tracker.timeline import add, entries_by_event, move_to_partnership

entries = entries_by_event

__all__ = ["add", "entries", "move_to_partnership"]
