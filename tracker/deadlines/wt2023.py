"""Working Together 2023's timescales (in force from 15 December 2023), each with its source.

Working Together 2023 is not among the seed documents: what was checked about it, with the
public pages it was read on, is in ../shared/GUIDANCE-2023.md. A paragraph number is cited only
where the paragraph was read; otherwise the chapter, with the source named (multi-agency
safeguarding arrangements and the yearly report are chapter 2, serious incidents chapter 5,
child death reviews chapter 6: the National Child Mortality Database's summary of chapter 6,
partnership procedures and briefings for the others). Where the law itself was read (the
registrar's duty on legislation.gov.uk), the section is cited.

Every rule of Working Together 2018 has a rule of the same key here, so a case's stored
deadlines keep their keys when the edition changes; the arithmetic of the rules both editions
share is unchanged.
"""

from dataclasses import replace

from tracker.deadlines import wt2018
from tracker.deadlines.rule import Rule

EDITION = "WT2023"
_WT = "Working Together 2023"
_CH2 = f"{_WT}, chapter 2 (multi-agency safeguarding arrangements)"
_CH5 = f"{_WT}, chapter 5 (learning from serious child safeguarding incidents)"
_CH6 = f"{_WT}, chapter 6 (child death reviews)"
_PANEL_GUIDANCE = (
    "Child Safeguarding Practice Review Panel, 'Child safeguarding practice review: panel "
    "guidance for safeguarding partners'"
)
_SECONDARY = "chapter cited from partnership procedures summarising the guidance (secondary)"
_NCMD = "chapter cited from the National Child Mortality Database's summary of it (secondary)"

_2018 = {rule.key: rule for rule in wt2018.RULES}


def _as_2023(key: str, **changes) -> Rule:
    """The 2018 rule of this key under Working Together 2023, with what the 2023 text changes."""
    return replace(_2018[key], edition=EDITION, **changes)


RULES = (
    # --- Child death reviews (chapter 6) -------------------------------------------------
    _as_2023(
        "registrar_notification",
        citation="Children and Young Persons Act 2008 section 31(2) and (7) (read on "
        f"legislation.gov.uk); {_CH6} ({_NCMD})",
        note="The Act's 'required period' is seven days beginning with the day after the death "
        "was registered, the entry corrected or the certificate issued: calendar days, so a "
        "deadline on a weekend or bank holiday is not moved (ambiguity A-06).",
    ),
    _as_2023(
        "coroner_notification",
        citation=f"Coroners (Investigations) Regulations 2013; {_CH6} ({_NCMD})",
        note="Goes to the partners for the area where the child died or the body was found. "
        "The regulation that sets the notification was not read: the 3 working days are as "
        "Working Together states them. A working day in these Regulations (regulation 2(1), "
        "read) is any day but a Saturday, Sunday, bank holiday, Christmas Day or Good Friday.",
    ),
    _as_2023("rr_meeting_1"),
    _as_2023("rr_meeting_2"),
    _as_2023("rr_meeting_3"),
    _as_2023(
        "agency_information_request",
        label="Agencies return the reporting form",
        note="The national reporting form (one per agency involved) replaced Form B in April "
        "2019. The source gives no return date; 15 working days is a local default to confirm.",
    ),
    # --- Serious incidents and child safeguarding practice reviews (chapter 5) -----------
    _as_2023(
        "panel_notification",
        trigger="Local authority became aware of a notifiable incident: abuse or neglect "
        "known or suspected (Children Act 2004 section 16C(1)), including a suspected suicide",
        citation=f"{_CH5}; Children Act 2004 section 16C ({_SECONDARY})",
        note="The duty to notify is statutory; the five-working-day timescale is guidance. "
        "The Panel shares the notification with Ofsted and the Department for Education.",
    ),
    _as_2023(
        "partners_notification",
        trigger="Local authority became aware of a notifiable incident: abuse or neglect "
        "known or suspected (Children Act 2004 section 16C(1)), including a suspected suicide",
        citation=f"{_CH5} ({_SECONDARY})",
    ),
    _as_2023(
        "sos_ofsted_lac_notification",
        citation=f"{_CH5} ({_SECONDARY})",
    ),
    Rule(
        key="care_leaver_death_notification",
        label="Notify the Secretary of State and Ofsted of the death of a care leaver",
        domain="reviews",
        trigger="Local authority became aware of the death of a care leaver aged 24 or under",
        unit="working_days",
        amount=5,
        direction="after",
        duty="should",
        citation=f"{_CH5} ({_SECONDARY}: North Yorkshire and York 'Death of a Care Leaver "
        "One Minute Guide'; Lincolnshire and Knowsley procedures, December 2024)",
        note="Whatever the cause of death, for a care leaver up to and including age 24, "
        "through the Child Safeguarding Incident Notification System. The Panel is notified "
        "as well only if the death is a notifiable incident.",
        edition=EDITION,
    ),
    _as_2023(
        "rapid_review",
        citation=f"{_PANEL_GUIDANCE} (September 2022), as the Panel's FAQ "
        f"(childsafeguarding.independent-panel.uk) states it; {_CH5} ({_SECONDARY})",
        note="15 working days from the day the notification was sent to the Panel, as the "
        "Panel's guidance for safeguarding partners sets out. The Panel usually responds in "
        "about 10 days.",
        inferred=False,
    ),
    _as_2023(
        "cspr_publication",
        citation=f"{_CH5} ({_SECONDARY})",
    ),
    _as_2023(
        "cspr_prepublication_copies",
        citation=f"{_CH5} ({_SECONDARY})",
        note="The latest date to send, counted back from the planned publication date. "
        "Ofsted's copy is its own deadline in this edition.",
    ),
    Rule(
        key="cspr_prepublication_ofsted",
        label="Send the local review report to Ofsted",
        domain="reviews",
        trigger="Planned publication date of the local review",
        unit="working_days",
        amount=7,
        direction="before",
        duty="should",
        citation=f"{_CH5} ({_SECONDARY})",
        note="The latest date to send, counted back from the planned publication date: the "
        "same 7 working days as the copies to the Panel and the Secretary of State.",
        edition=EDITION,
    ),
    _as_2023(
        "cspr_public_until",
        citation=f"{_CH5} ({_SECONDARY})",
    ),
    _as_2023(
        "national_publication",
        citation=f"{_CH5} ({_SECONDARY})",
    ),
    _as_2023(
        "national_prepublication_copies",
        citation=f"{_CH5} ({_SECONDARY})",
    ),
    _as_2023(
        "national_public_until",
        citation=f"{_CH5} ({_SECONDARY})",
    ),
    # --- Safeguarding partnership --------------------------------------------------------
    _as_2023(
        "yearly_report",
        citation=f"{_CH2} ({_SECONDARY}: Sussex child protection procedures 2.1, October "
        "2024; Cumberland partnership briefing, December 2023)",
    ),
    _as_2023(
        "yearly_report_copies",
        label="Send the yearly report to the Panel and Foundations",
        citation=f"{_CH2} ({_SECONDARY})",
        note="'Within seven days' has no 'working', so calendar days are used (ambiguity "
        "A-06). The recipients are Working Together 2018's, the What Works Centre for "
        "Children's Social Care having become Foundations in June 2023: whom the 2023 text "
        "names was not confirmed in the sources read.",
    ),
)
