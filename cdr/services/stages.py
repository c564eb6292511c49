"""Where a case stands: its stage, and the task list of stages shown on the case page."""

from typing import NamedTuple

from cdr.models import STAGES


class Task(NamedTuple):
    """One stage of the task list: its name, its status text, and a GOV.UK tag colour."""

    name: str
    status: str
    tag_class: str


_DONE = ("Completed", "govuk-tag--green")
_TODO = ("Not yet started", "govuk-tag--grey")
_NOW = ("In progress", "govuk-tag--light-blue")
_NA = ("Not needed", "govuk-tag--grey")


def stage_of(case, *, meetings_held: int, requests_open: int, requests_total: int,
             on_panel: bool) -> str:
    """The stage a case has reached (a key of STAGES), from what has been recorded."""
    if case.closed_on is not None:
        return "closed"
    if on_panel or case.review_meeting_on is not None:
        return "panel" if case.review_meeting_on is not None else "review_meeting"
    if case.information_complete or (requests_total and not requests_open):
        return "review_meeting"
    if requests_total:
        return "information"
    if case.jar_required:
        # Once the three rapid response meetings are held, gathering information comes next.
        return "rapid_response" if meetings_held < 3 else "information"
    return "notified"


def tasks(case, *, meetings_held: int, requests_open: int, requests_total: int,
          on_panel: bool) -> list[Task]:
    """The task list of a case's stages with the status of each."""
    stage = stage_of(case, meetings_held=meetings_held, requests_open=requests_open,
                     requests_total=requests_total, on_panel=on_panel)
    order = list(STAGES)
    reached = order.index(stage)
    rows = []
    for key in order:
        position = order.index(key)
        if key == "rapid_response" and not case.jar_required:
            status = _NA
        elif key == "closed":
            status = _DONE if stage == "closed" else _TODO
        elif position < reached:
            status = _DONE
        elif position == reached:
            status = _NOW
        else:
            status = _TODO
        rows.append(Task(STAGES[key], *status))
    return rows
