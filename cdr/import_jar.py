"""The child death import's Joint Agency Response columns: each criterion met, and whether a
Joint Agency Response is required, checked as the notification form checks them (an expected
death cannot be sudden with no apparent cause) and saved as the JAR page saves them
(cdr.services.meetings.set_criteria), so the import's deadlines (tracker.imports.run) give
an imported unexpected death the same rapid response meeting deadlines as the form.

Whether the death was unexpected is the import's "Expected death" column (No: unexpected,
the national definition), the case's own death_expected, as on the notification form.
The case list export (cdr.services.exports) writes these columns under the same headers.
"""

from cdr.models import JAR_CRITERIA, YES_NO
from cdr.services import meetings, timeline
from tracker.imports.spec import CHOICE, Column

REQUIRED = "jar_required"
# Each criterion's column header (the checklist's words are the column's notes).
CRITERIA_HEADERS = {
    "jar_external_causes": "JAR criterion: external causes",
    "jar_sudden_unexplained": "JAR criterion: sudden with no apparent cause",
    "jar_custody_or_detained": "JAR criterion: in custody or detained",
    "jar_suspicious": "JAR criterion: suspicion the death was not natural",
    "jar_unattended_stillbirth": "JAR criterion: stillbirth with no healthcare professional",
}
REQUIRED_HEADER = "Joint Agency Response required"
CONTRADICTION = (
    "The death cannot be both expected and sudden with no immediately apparent cause: a "
    "sudden death with no apparent cause was not anticipated, so it is unexpected. Enter No "
    "in Expected death, or leave this criterion empty")

COLUMNS = (
    *(Column(header, key, CHOICE, choices=YES_NO,
             notes=f"Yes if met: {JAR_CRITERIA[key].lower()}. Any criterion met makes a Joint "
             "Agency Response required, with its rapid response meetings due from the date "
             "of death" if index == 0 else f"Yes if met: {JAR_CRITERIA[key].lower()}")
      for index, (key, header) in enumerate(CRITERIA_HEADERS.items())),
    Column(REQUIRED_HEADER, REQUIRED, CHOICE, choices=YES_NO,
           notes="Yes when a criterion is met, No when none is; may be left empty (it then "
           "follows the criteria)"),
)


def criteria(values: dict) -> list[str]:
    """The criteria a row says are met."""
    return [key for key in CRITERIA_HEADERS if values.get(key) == "yes"]


def problems(values: dict) -> dict[str, str]:
    """{column key: message}: the notification form's contradiction, and a required answer
    that disagrees with the criteria."""
    met = criteria(values)
    if meetings.expected_yet_unexplained(values.get("death_expected"), met):
        return {"jar_sudden_unexplained": CONTRADICTION}
    required = values.get(REQUIRED)
    if required == "yes" and not met:
        return {REQUIRED: "Enter Yes for the criterion that is met: a Joint Agency Response "
                          "is required only when one is"}
    if required == "no" and met:
        return {REQUIRED: "Enter Yes: a criterion is met, so a Joint Agency Response is "
                          "required"}
    return {}


def apply(case, values: dict) -> None:
    """Set the row's criteria on the new case as the JAR page does (no deadline synced: the
    import builds every row's deadlines together)."""
    meetings.set_criteria(case, criteria(values))


def finish(case, today) -> None:
    """The timeline's line for a Joint Agency Response the row records."""
    if case.jar_required:
        timeline.add(case, "jar", meetings._jar_text(case), today)  # noqa: SLF001


def export_values(case) -> list:
    """The columns as the case list export writes them (after the case's own columns)."""
    return [YES_NO["yes"] if getattr(case, key) else YES_NO["no"] for key in CRITERIA_HEADERS]
