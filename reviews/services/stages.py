"""The review page's task list: each stage of an incident and its review, with its status."""

from cdr.services.stages import Task  # one Task shape for every case page (reviews may use cdr)

_DONE = ("Completed", "govuk-tag--green")
_TODO = ("Not yet started", "govuk-tag--grey")
_NOW = ("In progress", "govuk-tag--light-blue")
_NA = ("Not needed", "govuk-tag--grey")


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
    ]
    if incident.decision == "none":
        rows += [Task("Review", *_NA), Task("Publication", *_NA),
                 Task("Recommendations and actions", *_NA)]
        return rows
    reviewed = incident.decision in ("local", "national")
    rows.append(Task("Review", *_status(incident.published_on is not None, reviewed)))
    rows.append(Task("Publication", *_status(incident.published_on is not None,
                                             incident.planned_publication_on is not None)))
    done, total = (actions.complete, actions.total) if actions else (0, 0)
    rows.append(Task("Recommendations and actions",
                     *_status(bool(total) and done == total, bool(total))))
    return rows
