"""What a domain tells the shell about one import: its columns and its rules.

A domain builds an `ImportSpec` and registers it through `tracker.domains.Domain.imports`;
the shell reads the file, checks each cell against its `Column`, and calls the domain's
functions for the rules only it knows (scope, duplicates, how a record is created).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from tracker.roles import Permission

TEXT, DATE, CHOICE, YES_NO = "text", "date", "choice", "yes_no"
WHOLE_NUMBER = "whole_number"


@dataclass(frozen=True)
class Column:
    """One column of the template: its header, what it holds and how it is checked.

    `required` is the GOV.UK message for an empty cell (None: the column is optional).
    `choices` maps stored values to the words the template uses; a cell may hold either.
    `words` are extra accepted words with the value each stands for ("Not known": None).
    `check(value)` returns a message when a parsed value is still wrong (an NHS number's
    check digit, say). `identifying` keeps the column off the preview. A text column is
    single-line (no line break, tab or other control character: tracker.text) unless
    `multiline`, which allows line breaks and tabs (an address).
    """

    header: str
    key: str
    kind: str = TEXT
    required: str | None = None
    choices: Mapping[str, str] = field(default_factory=dict)
    words: Mapping[str, object] = field(default_factory=dict)
    max_length: int = 200
    check: Callable[[object], str | None] | None = None
    identifying: bool = False
    multiline: bool = False
    notes: str = ""
    example: str = ""


@dataclass(frozen=True)
class ImportSpec:
    """One kind of import (child death cases, practice reviews).

    - `row_problems(values, today)`: {column key: message} for one row's domain rules; a
      value that could not be read (or is missing) is None.
    - `duplicate_keys(values)`: keys that identify the same record within one file.
    - `existing(rows, partnership_ids)`: {row index: {column key: message}} for rows whose
      record is already held; a fixed number of queries whatever the number of rows.
    - `build(values, partnership, user, today, batch)`: one new record, not yet added to the
      session nor flushed (`batch` is a dict kept for the whole import, for reference
      numbers); every row's record is inserted in one flush.
    - `partnership_problems(values, partnership)`: {column key: message} for rules that
      depend on the partnership imported into (a reference's prefix), or None.
    - `finish(record, values, partnership, today)`: what needs the record's id (the child's
      identifying details, the timeline), no flush. The shell then builds every record's
      deadlines from the rules and audits the import.
    """

    name: str
    title: str
    noun: str
    permission: Permission
    columns: Sequence[Column]
    row_problems: Callable
    duplicate_keys: Callable
    existing: Callable
    build: Callable
    finish: Callable
    sheet_title: str
    done_endpoint: str
    description: str = ""
    partnership_problems: Callable | None = None
    # The reference series of the records (tracker.references), when a file may give them.
    series: str = ""
    # The keys of the columns the preview lists (None: every one not identifying).
    preview: Sequence[str] | None = None
    # Whether the records have deadlines built from the rules (a directory's contacts do not).
    deadlines: bool = True
    # Whether records already held are looked for in the partnership imported into only (a
    # directory's contacts are its own), rather than in every partnership the user sees.
    held_in_chosen_partnership: bool = False

    def column(self, key: str) -> Column:
        """The column with this key."""
        return next(column for column in self.columns if column.key == key)
