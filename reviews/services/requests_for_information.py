"""The review page's one "Requests for information" section: the requests sent to agencies as
personal links through the tracker (reviews.services.information_requests) and those the
business unit recorded by hand after asking by e-mail or post (the local review's written
requests, reviews.services.local_review), in one list, newest sent first.

A request recorded by hand belongs to a local review (its form is refused otherwise), so
those are read, and may be recorded, only once a local review is decided. Two queries at most,
whatever the number of requests.
"""

from datetime import date
from typing import NamedTuple

from reviews.models import INFORMATION_STAGES
from reviews.models.information import QUERIED, SENT
from reviews.services import information_requests, local_review
from tracker.timeutil import format_date, to_london

LINK, BY_HAND = "link", "by_hand"
KINDS = {LINK: "Personal link", BY_HAND: "Recorded by hand"}
# A status tag's colour; a status not here has the default tag.
_TAGS = {"Accepted": "govuk-tag--green", "Answered": "govuk-tag--green",
         "Returned, awaiting review": "govuk-tag--yellow", "Awaited": "govuk-tag--grey"}


class Row(NamedTuple):
    """A request as the section lists it; `record` is the InformationRequest (LINK) or the
    ReviewRequest (BY_HAND)."""

    kind: str
    record: object
    agency: str
    stage: str
    sent_on: date
    due_on: date | None
    status: str
    overdue: bool
    # More about the status: the day and summary of an answer recorded by hand, or that the
    # tracker has stopped chasing the agency for now.
    detail: str | None = None

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def tag_class(self) -> str:
        return _TAGS.get(self.status, "")


class Section(NamedTuple):
    """What the section shows, and whether a request made outside the tracker may be
    recorded (a local review is decided)."""

    rows: list[Row]
    by_hand: bool


def _overdue(due_on, today) -> bool:
    return due_on is not None and due_on < today


def _link_row(found, today) -> Row:
    info = found.request
    awaiting = info.status in (SENT, QUERIED)
    return Row(LINK, info, found.agency, found.stage, to_london(info.created_at).date(),
               info.due_on, found.status, awaiting and _overdue(info.due_on, today),
               "Chasing paused" if awaiting and info.chasing_paused_at else None)


def _by_hand_row(found, today) -> Row:
    written = found.request
    answered = written.answered_on is not None
    detail = None
    if answered:
        detail = format_date(written.answered_on) + (f": {written.summary}"
                                                     if written.summary else "")
    return Row(BY_HAND, written, written.agency, INFORMATION_STAGES["local_review"],
               written.sent_on, written.due_on, "Answered" if answered else "Awaited",
               found.overdue, detail)


def section(incident, today: date) -> Section:
    """Every request of the incident, newest sent first (one query, two for a local
    review)."""
    by_hand = incident.decision == "local"
    rows = [_link_row(found, today) for found in information_requests.requests_of(incident)]
    if by_hand:
        rows += [_by_hand_row(found, today)
                 for found in local_review.requests_of(incident, today)]
    rows.sort(key=lambda row: (row.sent_on, row.kind == LINK, row.record.id), reverse=True)
    return Section(rows, by_hand)
