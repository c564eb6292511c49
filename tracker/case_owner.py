"""Who owns a case, in any domain: the account its reminders go to, and the page changing it.

Every case has an owner (`CaseRecord.owner_id`): the user who notified a child death or
recorded an incident, until someone chooses another. The owner must be an active user of
the case's partnership with the domain's edit permission. A change is audited (the case is
`Audited`), goes on the case's timeline, and is refused when the case changed since the form
was opened, as every other form of a case is.
"""

from datetime import date

from flask import flash, redirect, render_template, request

from forms.accounts import CaseOwnerForm, selected
from tracker import timeline, versioning
from tracker.accounts import accounts_of, choices, name_of
from tracker.extensions import db
from tracker.roles import Permission


class NotAllowed(Exception):
    """The account chosen may not own the case."""


def owner_choices(case, permission: Permission) -> list[tuple[int, str]]:
    """The accounts that may own the case (one query)."""
    return choices(accounts_of(case.partnership_id, permission=permission))


def change_owner(case, user_id: int, permission: Permission, today: date) -> bool:
    """Make an account the case's owner (no commit); False if it already was."""
    if user_id == case.owner_id:
        return False
    allowed = dict(owner_choices(case, permission))
    if user_id not in allowed:
        raise NotAllowed("Select an account from the list")
    case.owner_id = user_id
    timeline.add(case, "owner", f"Case owner: {name_of(user_id)}", today)
    return True


def owner_page(case, *, permission: Permission, back_url: str, today: date):
    """The "Case owner" form of a case (GET shows it, POST saves it and goes back)."""
    form = CaseOwnerForm()
    form.owner.set_accounts(owner_choices(case, permission), case.owner_id,
                            name_of(case.owner_id))
    if request.method == "GET":
        form.owner.data = selected(case.owner_id)
        form.version.data = case.version
    elif form.validate_on_submit():
        try:
            versioning.check(form, case)
            changed = change_owner(case, form.owner.user_id, permission, today)
            db.session.commit()
        except versioning.STALE:
            return _render(case, form, back_url, versioning.refuse(form, case, on="owner"))
        except NotAllowed as refused:
            db.session.rollback()
            form.owner.errors.append(str(refused))
        else:
            flash("Case owner saved." if changed else "Nothing changed.", "success")
            return redirect(back_url)
    return _render(case, form, back_url, 400 if form.errors else 200)


def _render(case, form, back_url, status):
    return render_template("tracker/case_owner.html", case=case, form=form,
                           back_url=back_url), status
