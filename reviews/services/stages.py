"""The review page's task list: each stage of an incident and its review, with its status."""

from cdr.services.stages import Task  # one Task shape for every case page (reviews may use cdr)

_DONE = ("Completed", "govuk-tag--green")
_TODO = ("Not yet started", "govuk-tag--grey")
_NOW = ("In progress", "govuk-tag--light-blue")
_NA = ("Not needed", "govuk-tag--grey")


TOLD_OF_DECISION = "Tell the Panel, Ofsted and the Department for Education of the decision"
NOT_IN_FULL = "Record why the report will not be published in full"


def _status(done: bool, started: bool):
    return _DONE if done else (_NOW if started else _TODO)


def tasks(incident, actions=None) -> list[Task]:
    """Notification, rapid review, decision, review, publication, actions, in order."""
    notified = incident.panel_notified_on is not None and (
        incident.partners_notified_on is not None)
    started = bool(incident.panel_notified_on or incident.partners_notified_on)
    # Not notifiable to the Panel (no abuse or neglect known or suspected): neither is needed,
    # unless the partners chose to do them anyway.
    needless = not incident.notifiable and not started and incident.rapid_review_sent_on is None
    rows = [
        Task("Notify the Panel and the safeguarding partners",
             *(_NA if needless else _status(notified, started))),
        # A meeting held moves the incident to the rapid review stage: started.
        Task("Rapid review", *(_NA if needless else _status(
            incident.rapid_review_sent_on is not None,
            bool(incident.rr_facts or incident.rr_recommendation
                 or incident.stage == "rapid_review")))),
        Task("Decision on a review", *_status(incident.decision is not None, False)),
        _told_of_decision(incident),
    ]
    if incident.decision == "none":
        rows += [Task("Review", *_NA), Task("Publication", *_NA),
                 Task(NOT_IN_FULL, *_NA), Task("Recommendations and actions", *_NA)]
        return _linked(rows)
    reviewed = incident.decision in ("local", "national")
    rows.append(Task("Review", *_status(incident.published_on is not None, reviewed)))
    rows.append(Task("Publication", *_status(incident.published_on is not None,
                                             incident.planned_publication_on is not None)))
    rows.append(_not_in_full(incident))
    done, total = (actions.complete, actions.total) if actions else (0, 0)
    rows.append(Task("Recommendations and actions",
                     *_status(bool(total) and done == total, bool(total))))
    return _linked(rows)


# Where each stage is done: its section of the review page.
SECTIONS = {"Notify the Panel and the safeguarding partners": "#incident",
            "Rapid review": "#rapid-review", "Decision on a review": "#decision",
            TOLD_OF_DECISION: "#decision", "Review": "#local-review",
            "Publication": "#publication", NOT_IN_FULL: "#publication",
            "Recommendations and actions": "#actions"}


def _linked(rows) -> list[Task]:
    """Each stage with the section of the review page where it is done."""
    return [row._replace(href=SECTIONS.get(row.name)) for row in rows]


def _told_of_decision(incident) -> Task:
    """A local review's decision told to the Panel, Ofsted and the DfE, each with its date
    (the guidance sets no timescale, so there is no deadline). Not needed for another
    decision."""
    if incident.decision not in (None, "local"):
        return Task(TOLD_OF_DECISION, *_NA)
    told = [incident.decision_informed_on, incident.decision_ofsted_told_on,
            incident.decision_dfe_told_on]
    return Task(TOLD_OF_DECISION, *_status(all(told), any(told)))


def _not_in_full(incident) -> Task:
    """Needed only when the partners decide not to publish the report in full: the
    justification, and the date it was sent."""
    if incident.publish_type == "full":
        return Task(NOT_IN_FULL, *_NA)
    justified = bool(incident.publish_justification)
    return Task(NOT_IN_FULL, *_status(
        justified and incident.justification_sent_on is not None,
        incident.publish_type == "improvements"))
