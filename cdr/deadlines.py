"""Which dates of a child death case start and meet which stored deadlines.

Registered with the shell in cdr.init_app; the rules themselves (and their citations) are
in tracker.deadlines.
"""

from cdr.models import AgencyRequest, ChildDeathCase
from tracker.deadline_mapping import CaseDeadlines, DeadlineSpec, when

_JAR = when(jar_required=True)

CHILD_DEATH_DEADLINES = CaseDeadlines(
    ChildDeathCase,
    (
        DeadlineSpec("registrar_notification", "death_registered_on", "registrar_notified_on"),
        DeadlineSpec("coroner_notification", "coroner_decision_on", "coroner_notified_on"),
        DeadlineSpec("rr_meeting_1", "date_of_death", applies_when=_JAR),
        DeadlineSpec("rr_meeting_2", "date_of_death", applies_when=_JAR),
        # Met when the meeting is held: the meetings service records it on the deadline.
        # Not needed when no post-mortem will be held or the coroner has not taken the case:
        # no results will ever start its clock (the default the issue chose: set aside from
        # that decision's date, not a clock started by it).
        DeadlineSpec("rr_meeting_3", "post_mortem_results_on", applies_when=_JAR,
                     set_aside_by="no_post_mortem_on",
                     set_aside_reason="Not needed: no post-mortem will be held, or the "
                     "coroner has not taken the case"),
    ),
    # The case follows the edition in force on the day the child died.
    edition_from="date_of_death",
)

# Each agency's request has its own deadline, owned by the request (owner cdr_agency_request).
AGENCY_REQUEST_DEADLINES = CaseDeadlines(
    AgencyRequest,
    (DeadlineSpec("agency_information_request", "sent_on", "returned_on"),),
    edition_follows="case_id",
)
