"""A deadline rule: what starts the clock, how long it runs, where it comes from."""

from __future__ import annotations

from dataclasses import dataclass

# The editions of Working Together, oldest first, and the one in force now (a new case's).
# Which edition a case follows is the one in force on the day its clock started
# (compute.edition_in_force); the switch date is the app's setting, not the rules'.
EDITIONS = ("WT2018", "WT2023")
EDITION_LABELS = {"WT2018": "Working Together 2018", "WT2023": "Working Together 2023"}
CURRENT_EDITION = "WT2023"

UNITS = ("working_days", "calendar_days", "weeks", "months", "years")
DIRECTIONS = ("after", "before")
DUTIES = ("must", "should", "panel", "local")
# Duties a partnership cannot change and whose working days are the law's: any day but a
# Saturday, Sunday or bank holiday (Working Together 2018 footnote 90; Working Together 2023
# working days the same way, as the tracker counts them for both). A partnership's closure
# days and its own timescales apply to local-practice rules alone.
FIXED_DUTIES = ("must", "should", "panel")
DOMAINS = ("cdr", "reviews", "partnership")
# Whose deadline it is: the partnership's, or the Panel's (a national review), shown to the
# partnership for information only: never counted, reminded or shown as overdue.
OWNERS = ("partnership", "panel")

UNIT_SINGULAR_LABELS = {
    "working_days": "working day",
    "calendar_days": "calendar day",
    "weeks": "week",
    "months": "month",
    "years": "year",
}
UNIT_LABELS = {
    "working_days": "working days",
    "calendar_days": "calendar days",
    "weeks": "weeks",
    "months": "months",
    "years": "years",
}
DUTY_LABELS = {
    "must": "Statutory duty",
    "should": "Statutory guidance",
    # The national Panel's own guidance, which Working Together defers to (not statutory).
    "panel": "Panel guidance",
    "local": "Local practice",
}

# The largest amount a partnership may set, per unit: about a year, however it is counted.
MAX_AMOUNTS = {
    "working_days": 260,
    "calendar_days": 365,
    "weeks": 52,
    "months": 24,
    "years": 10,
}
MAX_REASON_LENGTH = 1000


@dataclass(frozen=True)
class Rule:
    """One timescale: what starts the clock, how long it runs, and where it comes from."""

    key: str
    label: str
    domain: str
    trigger: str
    unit: str
    amount: int
    direction: str
    duty: str
    citation: str
    earliest_amount: int | None = None
    note: str = ""
    inferred: bool = False
    owner: str = "partnership"
    # A literal, not CURRENT_EDITION: these rules stay WT2018 when a later edition is current.
    edition: str = "WT2018"

    def __post_init__(self):
        # Rules are hand-written data: catch a typo when the module loads, not on a case page.
        allowed = (
            ("unit", UNITS),
            ("direction", DIRECTIONS),
            ("duty", DUTIES),
            ("domain", DOMAINS),
            ("owner", OWNERS),
        )
        problems = [
            f"{field} {getattr(self, field)!r}"
            for field, values in allowed
            if getattr(self, field) not in values
        ]
        if self.earliest_amount is not None and (
            self.direction != "after" or not 0 <= self.earliest_amount <= self.amount
        ):
            problems.append("earliest_amount (a window runs forwards, earliest <= amount)")
        if problems:
            raise ValueError(f"Rule {self.key!r} has an invalid " + ", ".join(problems))

    @property
    def is_window(self) -> bool:
        """Whether the rule gives a window (earliest and latest date), not a single deadline."""
        return self.earliest_amount is not None

    @property
    def fixed(self) -> bool:
        """Statutory or Panel: counted on weekends and bank holidays only, never overridden."""
        return self.duty in FIXED_DUTIES

    @property
    def for_information(self) -> bool:
        """Whether the deadline is another body's (the Panel's), shown for information only."""
        return self.owner != "partnership"

    @property
    def unit_label(self) -> str:
        """The unit in words, such as "working days"."""
        return UNIT_LABELS[self.unit]

    @property
    def duty_label(self) -> str:
        """The duty in words: statutory duty, statutory guidance, Panel guidance or local."""
        return DUTY_LABELS[self.duty]

    @property
    def timescale(self) -> str:
        """In words, such as "5 working days after" or "1 to 5 calendar days after"."""
        return self.timescale_with()

    def timescale_with(self, amount=None, earliest_amount=None) -> str:
        """The timescale in words with other amounts, such as a partnership's override."""
        amount = self.amount if amount is None else amount
        earliest = self.earliest_amount if earliest_amount is None else earliest_amount
        text = f"{earliest} to {amount}" if self.is_window else str(amount)
        units = UNIT_SINGULAR_LABELS[self.unit] if text == "1" else self.unit_label
        return f"{text} {units} {self.direction}"
