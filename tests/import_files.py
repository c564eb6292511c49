"""Building spreadsheets and broken files for the import tests (never committed as binaries)."""

import io
import re
import zipfile

from openpyxl import Workbook

from tests.conftest import csrf_token_from, page


def workbook(headers, rows, title="Sheet1", text_cells=()) -> bytes:
    """An .xlsx with a header row and data rows; `text_cells` are (row, column) positions
    (1-based, as in Excel) written as plain text even when they start with '='."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    for row, column in text_cells:
        sheet.cell(row=row, column=column).data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_of(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A zip holding these members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def replace_part(data: bytes, name: str, new: bytes) -> bytes:
    """The same .xlsx with one part's content replaced."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members[name] = new
    return zip_of(members)


def upload(client, name, data, filename="cases.xlsx", **fields):
    """Post a file to an import's upload page the way a browser does."""
    token = csrf_token_from(client.get(f"/imports/{name}").get_data(as_text=True))
    return client.post(f"/imports/{name}", content_type="multipart/form-data",
                       data={"csrf_token": token, "upload": (io.BytesIO(data), filename),
                             **fields})


def confirm(client, name, response, *, own_session=False):
    """Press the preview's import button (`own_session`: as another signed-in user who
    somehow holds the preview's token, with a CSRF token of their own)."""
    html = page(response)
    form = html.select_one(f"form[action='/imports/{name}/confirm']")
    assert form is not None, "the preview offers no import button"
    values = {field["name"]: field.get("value", "") for field in form.select("input[name]")}
    if own_session:
        values["csrf_token"] = csrf_token_from(client.get(f"/imports/{name}")
                                               .get_data(as_text=True))
    return client.post(f"/imports/{name}/confirm", data=values)


def problems(response) -> list[tuple[str, str, str]]:
    """(row, column, message) of each row of the preview's table of problems."""
    table = page(response).select_one("#problems")
    if table is None:
        return []
    return [tuple(re.sub(r"\s+", " ", cell.get_text(" ", strip=True)) for cell in row("td"))
            for row in table.select("tbody tr")]


def field_error(response) -> str:
    """The message on the upload field."""
    node = page(response).select_one(".govuk-error-message")
    assert node is not None, "no field error on the page"
    return node.get_text(" ", strip=True)
