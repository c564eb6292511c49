"""The personal-link buttons of a domain's request page (tracker.agency_links): sending the
request to a directory contact, revoking a link and renewing one. The domain's own route
finds the request in the user's partnerships, then hands it here with the posted form
(forms.cdr.request_links, CSRF-checked) and redirects to its page."""

from flask import flash

from tracker import agency_links
from tracker.extensions import db


def link_id_of(form) -> int | None:
    """The link id a valid posted form names, or None (not a number the database holds)."""
    link_id = form.link_id.data
    if form.validate_on_submit() and str(link_id or "").isdigit() and int(link_id) < 2**31:
        return int(link_id)
    return None


def send(form, send_to) -> bool:
    """Send the request to the contact the form names: `send_to(contact_id)` sends it and
    gives the contact, or raises agency_links.Refused. Commits and says so (True); or rolls
    back with the refusal on the form (False: the page is shown again)."""
    if not form.validate_on_submit():
        return False
    try:
        contact = send_to(form.contact.data)
    except agency_links.Refused as refused:
        db.session.rollback()
        form.contact.errors = [*form.contact.errors, str(refused)]
        return False
    db.session.commit()
    flash(f"The request has been sent to {contact.name} as a personal link", "success")
    return True


def revoke(form, owner_type: str, owner_id: int) -> None:
    """Stop the request's link the form names working."""
    _change(form, owner_type, owner_id, agency_links.revoke,
            "The link has been revoked: it no longer opens the request")


def renew(form, owner_type: str, owner_id: int, partnership) -> None:
    """Give the request's link the form names (live or expired) a new expiry from now,
    saying the partnership's own number of days, if it set one."""
    days = agency_links.link_days(partnership)
    _change(form, owner_type, owner_id, agency_links.renew,
            f"The link has been renewed: it works for another {days} days")


def _change(form, owner_type, owner_id, change, message) -> None:
    """Revoke or renew one link of the request (one way each: done twice is done once)."""
    link_id = link_id_of(form)
    link = agency_links.link_of(owner_type, owner_id, link_id) if link_id is not None else None
    if link is None or (change is agency_links.renew
                        and (link.revoked_at is not None or link.returned_at is not None)):
        flash("Nothing was changed: a revoked or returned link is sent again instead", "error")
    else:
        change(link)
        db.session.commit()
        flash(message, "success")
