"""Which dates of a serious incident and its review start and meet which stored deadlines.

Registered with the shell in reviews.init_app; the rules themselves (and their citations)
are in tracker.deadlines.
"""

from reviews.models import CARE_LEAVER_MAX_AGE, SeriousIncident, YearlyReport
from tracker.deadline_mapping import CaseDeadlines, DeadlineSpec, at_most, when

# Paragraph 13 ([003] L1378) is about the death of a looked-after child only.
_LOOKED_AFTER_CHILD_DIED = when(looked_after=True, child_died=True)
_LOCAL, _NATIONAL = when(decision="local"), when(decision="national")
# Only a notifiable incident (abuse or neglect known or suspected, s16C(1)) has the Panel's
# clocks; they start when the local authority became aware, or on the later day it came to
# know or suspect abuse or neglect. The looked-after child's notification does not depend on
# it (paragraph 13: "whether or not abuse or neglect is known or suspected").
_NOTIFIABLE = when(abuse_or_neglect_suspected=True)
# Working Together 2023, chapter 5: the death of a care leaver up to and including age 24 is
# notified to the Secretary of State and Ofsted whatever the cause (an edition without the
# rule, Working Together 2018, stores no such deadline). A looked-after child is never also a
# care leaver, so the one column records either notification.
_CARE_LEAVER_DIED = when(care_leaver=True, child_died=True,
                         age_at_death_years=at_most(CARE_LEAVER_MAX_AGE))

INCIDENT_DEADLINES = CaseDeadlines(
    SeriousIncident,
    (
        DeadlineSpec("panel_notification", "la_aware_on", "panel_notified_on", _NOTIFIABLE,
                     later_of="abuse_or_neglect_known_on"),
        DeadlineSpec("partners_notification", "la_aware_on", "partners_notified_on",
                     _NOTIFIABLE, later_of="abuse_or_neglect_known_on"),
        DeadlineSpec(
            "sos_ofsted_lac_notification",
            "la_aware_on",
            "sos_ofsted_notified_on",
            applies_when=_LOOKED_AFTER_CHILD_DIED,
        ),
        DeadlineSpec("care_leaver_death_notification", "la_aware_on", "sos_ofsted_notified_on",
                     _CARE_LEAVER_DIED),
        DeadlineSpec("rapid_review", "panel_notified_on", "rapid_review_sent_on", _NOTIFIABLE),
        DeadlineSpec("cspr_publication", "decision_on", "published_on", _LOCAL),
        DeadlineSpec(
            "cspr_prepublication_copies", "planned_publication_on", "copies_sent_on", _LOCAL
        ),
        # Ofsted's copy, in the same 7 working days (Working Together 2023 only: a WT2018
        # case's edition has no such rule, so it is never stored for one).
        DeadlineSpec(
            "cspr_prepublication_ofsted", "planned_publication_on", "ofsted_copy_sent_on", _LOCAL
        ),
        DeadlineSpec("cspr_public_until", "published_on", applies_when=_LOCAL),
        # A national review's clocks are the Panel's, from the Panel's decision.
        DeadlineSpec("national_publication", "panel_decision_on", "published_on", _NATIONAL),
        DeadlineSpec(
            "national_prepublication_copies", "planned_publication_on", "copies_sent_on",
            _NATIONAL,
        ),
        DeadlineSpec("national_public_until", "published_on", applies_when=_NATIONAL),
    ),
    # The incident follows the edition in force on the day the local authority became aware.
    edition_from="la_aware_on",
)

# A yearly report starts the next one's 12 months and its own copies' 7 days.
YEARLY_REPORT_DEADLINES = CaseDeadlines(
    YearlyReport,
    (
        DeadlineSpec("yearly_report", "published_on", "next_published_on"),
        DeadlineSpec("yearly_report_copies", "published_on", "copies_sent_on"),
    ),
    edition_from="published_on",
)
