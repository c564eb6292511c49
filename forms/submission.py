"""The one-time submission key every form that creates a record carries."""

import secrets

from wtforms import HiddenField

from tracker import submissions


def new_key() -> str:
    """A fresh key, issued each time a create form is shown."""
    return secrets.token_urlsafe(32)


class SubmissionKeyForm:
    """Mixed into a create form: a hidden `submission_key`, new when the form is shown and
    sent back as it was when a refused form is shown again (so the corrected form can still
    be saved once).

    The view claims the key with what it creates (tracker.submissions.claim); sending the
    same key again, once that is saved, lands on its page instead of validating anything.
    """

    submission_key = HiddenField(default=new_key)

    def validate_on_submit(self, extra_validators=None):
        if self.is_submitted():
            submissions.check(self.submission_key.data)
        return super().validate_on_submit(extra_validators)

    def claim_submission(self) -> None:
        """Take this form's key with what the view is about to create (see claim)."""
        submissions.claim(self.submission_key.data)
