"""Where a case stands: its stage, and the task list of stages shown on the case page."""

from typing import NamedTuple

from cdr.models import STAGES


class Task(NamedTuple):
    """One stage of the task list: its name, its status text, a GOV.UK tag colour, and where
    on the case page the stage is done (an anchor, such as "#meetings")."""

    name: str
    status: str
    tag_class: str
    href: str | None = None


# Where each stage is done: its section of the case page.
STAGE_SECTIONS = {"notified": "#notifications", "rapid_response": "#meetings",
                  "information": "#information", "review_meeting": "#review-meeting",
                  "panel": "#panel", "closed": "#panel"}


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
        # Once the rapid response meetings it needs are held, gathering information comes next.
        return "rapid_response" if meetings_held < meetings_needed(case) else "information"
    return "notified"


def meetings_needed(case) -> int:
    """How many rapid response meetings a Joint Agency Response needs: three, or two when no
    post-mortem will be held (or the coroner has not taken the case), as the third meets
    after all post-mortem results. `case` is an ORM case or a Core row with the column."""
    return 2 if case.no_post_mortem_on is not None else 3


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
        rows.append(Task(STAGES[key], *status, STAGE_SECTIONS.get(key)))
    return rows


# --- Keeping the stored stage in step ------------------------------------------------------
#
# The case list filters and sorts on cdr_case.stage, so it is stored; it is derived from what
# has been recorded, so it is worked out here after every flush that touches a case or its
# meetings, requests or panel items, whichever service made the change. The write is a Core
# UPDATE (like a deadline recomputation, a consequence rather than a change anyone made: its
# causes are audited), and the loaded case gets the new value without being marked changed.


def _affected_case_ids(session) -> set[int]:
    from cdr.models import AgencyRequest, ChildDeathCase, PanelItem, RapidResponseMeeting

    ids = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, ChildDeathCase):
            ids.add(obj.id)
        elif isinstance(obj, AgencyRequest | RapidResponseMeeting | PanelItem):
            ids.add(obj.case_id)
    ids.discard(None)
    return ids


def _counts(connection, case_ids) -> dict[int, dict]:
    """Per case: meetings held, requests open and in all, whether on a panel agenda."""
    import sqlalchemy as sa

    from cdr.models import AgencyRequest, ChildDeathCase, PanelItem, RapidResponseMeeting

    counts = {cid: {"meetings_held": 0, "requests_open": 0, "requests_total": 0,
                    "on_panel": False} for cid in case_ids}
    held = sa.select(RapidResponseMeeting.case_id, sa.func.count()).where(
        RapidResponseMeeting.case_id.in_(case_ids), RapidResponseMeeting.held.is_(True)
    ).group_by(RapidResponseMeeting.case_id)
    for cid, n in connection.execute(held):
        counts[cid]["meetings_held"] = n
    requests = sa.select(
        AgencyRequest.case_id, sa.func.count(),
        sa.func.count(sa.case((AgencyRequest.returned_on.is_(None), 1))),
    ).where(AgencyRequest.case_id.in_(case_ids)).group_by(AgencyRequest.case_id)
    for cid, total, still_open in connection.execute(requests):
        counts[cid]["requests_total"], counts[cid]["requests_open"] = total, still_open
    panel = (sa.select(PanelItem.case_id).join(ChildDeathCase, PanelItem.of_its_case())
             .where(PanelItem.case_id.in_(case_ids)).distinct())
    for (cid,) in connection.execute(panel):
        counts[cid]["on_panel"] = True
    return counts


def refresh_stages(session, case_ids) -> None:
    """Store the stage of each case from what is recorded now (after a flush)."""
    import sqlalchemy as sa
    from sqlalchemy.orm.attributes import set_committed_value

    from cdr.models import ChildDeathCase

    if not case_ids:
        return
    connection = session.connection()
    table = ChildDeathCase.__table__
    rows = connection.execute(
        sa.select(table.c.id, table.c.stage, table.c.closed_on, table.c.review_meeting_on,
                  table.c.information_complete, table.c.jar_required,
                  table.c.no_post_mortem_on)
        .where(table.c.id.in_(case_ids))
    ).all()
    counts = _counts(connection, [row.id for row in rows])
    for row in rows:
        stage = stage_of(row, **counts[row.id])
        if stage == row.stage:
            continue
        connection.execute(sa.update(table).where(table.c.id == row.id).values(stage=stage))
        loaded = session.identity_map.get(session.identity_key(ChildDeathCase, row.id))
        if loaded is not None:
            set_committed_value(loaded, "stage", stage)


def _after_flush(session, flush_context):
    refresh_stages(session, session.info.pop("cdr_stage_case_ids", set()))


def _collect(session, flush_context):
    # After the flush the new, dirty and deleted lists still hold what was flushed, and new
    # cases and their children now have their ids.
    session.info.setdefault("cdr_stage_case_ids", set()).update(_affected_case_ids(session))


def listen(session_class) -> None:
    """Keep stages in step for every session of this class (called once, at import)."""
    import sqlalchemy as sa

    sa.event.listen(session_class, "after_flush", _collect)
    sa.event.listen(session_class, "after_flush_postexec", _after_flush)


def _listen_once():
    import sqlalchemy.orm as so

    listen(so.Session)


_listen_once()
