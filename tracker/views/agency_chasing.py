"""The "Pause chasing" or "Resume chasing" button of a domain's request sent as a personal
link (tracker.agency_chasing.set_paused): the domain's own route finds the request in the
user's partnerships, then hands it here with the posted form (forms.cdr.request_links
.ChasingForm, CSRF-checked)."""

from flask import flash

from tracker import agency_chasing
from tracker.extensions import db


def pause_or_resume(record, form) -> None:
    """Pause or resume chasing as the button asks, commit, and say what happened."""
    wanted = form.chasing.data if form.validate_on_submit() else None
    if wanted not in ("pause", "resume"):
        flash("Nothing was changed: choose to pause or resume chasing", "error")
    elif agency_chasing.set_paused(record, wanted == "pause"):
        db.session.commit()
        flash("Chasing is paused: the agency gets no more reminders for this request"
              if wanted == "pause" else "Chasing is resumed", "success")
    else:
        flash("Nothing was changed: chasing already was "
              f"{'paused' if wanted == 'pause' else 'on'}", "info")
