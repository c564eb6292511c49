"""The Joint Agency Response decided on the notification form: for an unexpected death, the
criteria ticked there are saved through the JAR page's own code path
(cdr.services.meetings.record_jar), so the case opens with its rapid response meeting
deadlines already stored.

The criteria (Working Together 2018 chapter 5 paragraph 21, DOMAIN.md 2C) follow the
question "Was the death unexpected?" on the form; an unattended stillbirth is already
answered by the form's stillbirth question, so it is not asked twice.
"""

from datetime import date

from cdr.models import JAR_CRITERIA
from cdr.services import meetings

UNEXPECTED = "no"  # death_expected of an unexpected death
# The criteria the notification form asks (the stillbirth one comes from its own question).
ASKED = {column: text for column, text in JAR_CRITERIA.items()
         if column != "jar_unattended_stillbirth"}
# An unexpected death: the national definition, shown as the question's hint
# (WT2018 chapter 5, kept in WT2023 chapter 6; ../shared/GUIDANCE-2023.md).
UNEXPECTED_DEFINITION = (
    "A death is unexpected if it was not anticipated as a significant possibility 24 hours "
    "before it happened, or if there was a similarly unexpected collapse or incident that "
    "led to or began the events that led to the death.")
CONTRADICTION = (
    "The death cannot be both expected and sudden with no immediately apparent cause: a "
    "sudden death with no apparent cause was not anticipated, so it is unexpected. Select "
    "that the death was unexpected, or do not select that criterion")


def contradiction(death_expected, criteria) -> str | None:
    """What is wrong with the answers (an expected death "sudden with no apparent cause"),
    or None."""
    return CONTRADICTION if meetings.expected_yet_unexplained(death_expected, criteria) \
        else None


def criteria_of(data: dict) -> list[str]:
    """The JAR criteria a notification meets: those ticked for an unexpected death (the
    question follows that answer; for any other answer they are not asked), and an
    unattended stillbirth from the stillbirth question."""
    criteria = []
    if data.get("death_expected") == UNEXPECTED:
        criteria = [name for name in data.get("jar_criteria") or () if name in ASKED]
    if data.get("birth_outcome") == "unattended_stillbirth":
        criteria.append("jar_unattended_stillbirth")
    return criteria


def record(case, data: dict, today: date) -> bool:
    """Save the criteria of a new case's notification (no commit); True when a Joint Agency
    Response is required (its deadlines are then synced)."""
    criteria = criteria_of(data)
    if not criteria:
        return False
    return meetings.record_jar(case, criteria, None, today)
