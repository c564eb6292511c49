"""No post-mortem: when none will be held, or the coroner has not taken the case.

Recorded with its date and who decided. Who decided stays in the case's own field (shown
only to who may see identifying details): it is typed as free text and may hold a person's
name, so the timeline, which everyone who may open the case reads, says only what was
decided. A notification answering "Post-mortem required: No" records the same decision
through `record_no_post_mortem` (cdr.services.notifications).

The third rapid response meeting (held after all post-mortem results) is then not needed:
its stored deadline is set aside as not needed by the deadline mapping (cdr/deadlines.py,
through deadline_service.sync_case), and the case leaves the Joint Agency Response stage
once the first two meetings are held (cdr/services/stages.py). "Not needed" is the default
the issue offered: no guidance read (../shared/GUIDANCE-2023.md, DOMAIN.md A-04) starts the
third meeting's clock from this decision instead.
"""

from datetime import date

from cdr.models.case import NO_POST_MORTEM
from cdr.services import timeline
from cdr.services.meetings import Refused, meeting_of, no_post_mortem_text, sync_met_dates
from tracker import deadline_service
from tracker.timeutil import format_date


def record_no_post_mortem(case, choice: str | None, decided_on: date | None,
                          decided_by: str | None, today: date) -> bool:
    """Record (or, with no choice, remove) that no post-mortem will be held; True if changed
    (no commit). Raises Refused with the message for the user."""
    if not choice:
        decided_on = decided_by = None
    else:
        _check(case, choice, decided_on, decided_by, today)
    before = (case.no_post_mortem, case.no_post_mortem_on, case.no_post_mortem_decided_by)
    case.no_post_mortem, case.no_post_mortem_on = choice or None, decided_on
    case.no_post_mortem_decided_by = decided_by
    if before == (case.no_post_mortem, case.no_post_mortem_on, case.no_post_mortem_decided_by):
        return False
    deadline_service.sync_case(case)
    sync_met_dates(case)
    if choice:
        timeline.add(case, "post_mortem", decision_text(choice), decided_on)
    else:
        timeline.add(case, "post_mortem", "Record that no post-mortem will be held removed",
                     today)
    return True


def decision_text(choice: str) -> str:
    """The timeline's words for the decision: what was decided, never who (migration 0031
    rewrote the lines stored with the name)."""
    return f"{NO_POST_MORTEM[choice]}: the third rapid response meeting is not needed"


def _check(case, choice, decided_on, decided_by, today):
    if choice not in NO_POST_MORTEM:
        raise Refused("Select whether a post-mortem will be held", "choice")
    if case.post_mortem_results_on is not None:
        raise Refused("All post-mortem results are recorded as received (on "
                      f"{format_date(case.post_mortem_results_on)}), so the case cannot say "
                      "that no post-mortem will be held. Remove that date first.", "choice")
    held = meeting_of(case, 3)
    if held is not None:
        raise Refused("The third rapid response meeting is recorded, so the case cannot say "
                      "that no post-mortem will be held. Cancel that meeting first.", "choice")
    if decided_on is None:
        raise Refused("Enter the date it was decided", "decided_on")
    if decided_on > today:
        raise Refused("The date it was decided must be today or in the past", "decided_on")
    if decided_on < case.date_of_death:
        raise Refused("The date it was decided must be on or after the date of death "
                      f"({format_date(case.date_of_death)})", "decided_on")
    if not decided_by:
        raise Refused("Enter who decided", "decided_by")


__all__ = ["no_post_mortem_text", "record_no_post_mortem"]
