"""The case timeline: every notification, meeting, request, transfer and change, in order.

The shell keeps the timeline (tracker.timeline); this module is the name child death review
code uses for it: `timeline.add(case, kind, text, happened_on)` and `timeline.entries(case)`.
"""

from tracker.timeline import add, entries, move_to_partnership

__all__ = ["add", "entries", "move_to_partnership"]
