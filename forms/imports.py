"""Uploading a spreadsheet of existing records, and confirming its import."""

from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect
from wtforms import FileField, HiddenField, SelectChoice, SelectField

from forms.base import StripWhitespaceForm
from forms.submission import SubmissionKeyForm


class UploadForm(StripWhitespaceForm):
    """The partnership the records belong to (among the user's own) and the .xlsx file."""

    partnership = SelectField("Which partnership are these records for?", coerce=int,
                              widget=GovSelect(),
                              invalid_choice_message="Select a partnership from the list")
    upload = FileField("Upload a file", widget=GovFileInput(),
                       description="An Excel workbook (.xlsx) in the template's layout")

    def __init__(self, *args, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.partnership.choices = [SelectChoice(p.id, p.name) for p in partnerships]
        self.single_partnership = partnerships[0] if len(partnerships) == 1 else None
        if self.single_partnership is not None:
            del self.partnership

    def chosen_partnership_id(self) -> int:
        """The partnership the records are for."""
        if self.single_partnership is not None:
            return self.single_partnership.id
        return self.partnership.data

    def uploaded_bytes(self, limit: int) -> bytes | None:
        """The file's bytes, read to one byte past `limit` (so a larger file is known as
        larger without reading it all); None when no file was chosen."""
        upload = self.upload.data
        if upload is None or not hasattr(upload, "read"):
            return None
        return upload.read(limit + 1)

    def refuse(self, message: str) -> None:
        """Show a problem with the file on the file field."""
        self.upload.errors = [*self.upload.errors, message]


class ConfirmForm(SubmissionKeyForm, StripWhitespaceForm):
    """Import the previewed file: its token names the stored upload."""

    token = HiddenField()
