"""Partnership scoping, the helpers every case page uses: another partnership's records are
invisible, and asking for one answers exactly as for a record that does not exist."""

from datetime import date

import pytest
import sqlalchemy as sa
from flask_login import login_user
from werkzeug.exceptions import NotFound

from cdr.models import ChildDeathCase
from tests.factories import make_user
from tracker.extensions import db
from tracker.roles import Role
from tracker.security import get_scoped_or_404, scoped


def _case(partnership, reference):
    case = ChildDeathCase(partnership_id=partnership.id, reference=reference,
                          date_of_death=date(2026, 1, 5), notification_received_on=date(2026, 1, 6))
    db.session.add(case)
    db.session.commit()
    return case


def test_lists_and_lookups_show_only_the_users_partnerships(app, partnership, other_partnership):
    ours = _case(partnership, "CDOP-NSP-2026-0001")
    theirs = _case(other_partnership, "CDOP-SVP-2026-0001")
    user = make_user(Role.CDOP_ADMIN, [partnership])
    with app.test_request_context():
        login_user(user)
        listed = db.session.scalars(
            scoped(sa.select(ChildDeathCase), ChildDeathCase.partnership_id)).all()
        assert [c.reference for c in listed] == ["CDOP-NSP-2026-0001"]
        assert get_scoped_or_404(ChildDeathCase, ours.id) is ours
        with pytest.raises(NotFound):
            get_scoped_or_404(ChildDeathCase, theirs.id)
        with pytest.raises(NotFound):
            get_scoped_or_404(ChildDeathCase, theirs.id + 1000)
