"""Working Together 2018's timescales (and the local defaults it leaves to partnerships).

Each rule cites the paragraph and line of the source document in ../shared/seeds (003 is
Working Together 2018, 004 the older local procedure) that it comes from.
"""

from tracker.deadlines.rule import Rule

_WT = "Working Together 2018"
_HANTS = "Hampshire County Council Children's Services safeguarding procedure (local practice)"
# The rapid response meetings' windows: local practice only. Working Together 2018 sets no
# timescale for them and defers to SUDIC 2016 and the further child death review guidance
# ([003] L1627, L1644; DOMAIN.md ambiguity A-04).
_RR_LOCAL = (f"Local practice, not a Working Together timescale: {_HANTS}, paragraph 5.15 "
             "([004] L257)")


def _wt(chapter: int, paragraph: str, lines: str) -> str:
    return f"{_WT}, chapter {chapter} paragraph {paragraph} ([003] {lines})"



RULES = (
    # --- Child death reviews -------------------------------------------------------------
    Rule(
        key="registrar_notification",
        label="Registrar supplies the particulars of the death to the child death review partners",
        domain="cdr",
        trigger="Death registered, register entry corrected, or certificate of no liability "
        "to register issued",
        unit="calendar_days",
        amount=7,
        direction="after",
        duty="must",
        citation=f"{_WT}, chapter 5, statutory duties table after paragraph 14: Children and "
        "Young Persons Act 2008 section 31 ([003] L1599–L1601)",
        note="The source says 'seven days' with no 'working', so calendar days are used; a "
        "deadline on a weekend or bank holiday is not moved (ambiguity A-06).",
    ),
    Rule(
        key="coroner_notification",
        label="Coroner notifies the child death review partners",
        domain="cdr",
        trigger="Coroner decided to investigate the death or to commission a post-mortem",
        unit="working_days",
        amount=3,
        direction="after",
        duty="must",
        citation=f"{_WT}, chapter 5, statutory duties table after paragraph 14: Coroners "
        "(Investigations) Regulations 2013 ([003] L1601)",
        note="Goes to the partners for the area where the child died or the body was found.",
    ),
    Rule(
        key="rr_meeting_1",
        label="First rapid response meeting",
        domain="cdr",
        trigger="Child died",
        unit="calendar_days",
        amount=5,
        earliest_amount=1,
        direction="after",
        duty="local",
        citation=_RR_LOCAL,
        note="Local practice only. The source says '1-5 days' without saying calendar or "
        "working days or what starts the clock; calendar days from the death are assumed "
        "(ambiguity A-04).",
    ),
    Rule(
        key="rr_meeting_2",
        label="Second rapid response meeting",
        domain="cdr",
        trigger="Child died",
        unit="calendar_days",
        amount=7,
        earliest_amount=5,
        direction="after",
        duty="local",
        citation=_RR_LOCAL,
        note="Local practice only; calendar days from the death are assumed (ambiguity A-04).",
    ),
    Rule(
        key="rr_meeting_3",
        label="Third rapid response meeting",
        domain="cdr",
        trigger="All post-mortem results received",
        unit="working_days",
        amount=10,
        direction="after",
        duty="local",
        citation=_RR_LOCAL,
        note="Held 'after all post mortem results have been received, usually 8-12 weeks' "
        "after the death, so the clock starts when the last result arrives. The source gives "
        "no limit; 10 working days is a local default to confirm. It agrees the report for "
        "the CDOP and, if there is an inquest, the coroner.",
        inferred=True,
    ),
    Rule(
        key="agency_information_request",
        label="Agencies return the information requested (the reporting form)",
        domain="cdr",
        trigger="Information request sent to the agency",
        unit="working_days",
        amount=15,
        direction="after",
        duty="local",
        citation=f"{_HANTS}, paragraph 5.20 ([004] L267)",
        note="The source gives no return date; 15 working days is a local default to confirm.",
        inferred=True,
    ),
    # --- Serious incidents and child safeguarding practice reviews -----------------------
    Rule(
        key="panel_notification",
        label="Notify the Child Safeguarding Practice Review Panel",
        domain="reviews",
        trigger="Local authority became aware of a notifiable incident: abuse or neglect "
        "known or suspected (Children Act 2004 section 16C(1), [003] L1371–L1376)",
        unit="working_days",
        amount=5,
        direction="after",
        duty="should",
        citation=_wt(4, "12", "L1377"),
        note="The duty to notify is statutory; the five-working-day timescale is guidance.",
    ),
    Rule(
        key="partners_notification",
        label="Report the serious incident to the safeguarding partners",
        domain="reviews",
        trigger="Local authority became aware of a notifiable incident: abuse or neglect "
        "known or suspected (Children Act 2004 section 16C(1), [003] L1371–L1376)",
        unit="working_days",
        amount=5,
        direction="after",
        duty="should",
        citation=_wt(4, "12", "L1377"),
        note="Includes partners in other areas where appropriate, for example for a "
        "looked-after child placed out of area (footnote 77, [003] L1388).",
    ),
    Rule(
        key="sos_ofsted_lac_notification",
        label="Notify the Secretary of State and Ofsted of the death of a looked-after child",
        domain="reviews",
        trigger="Local authority became aware of the death of a looked-after child",
        unit="working_days",
        amount=5,
        direction="after",
        duty="local",
        citation=_wt(4, "13", "L1378"),
        note="The duty to notify is statutory, whether or not abuse or neglect is known or "
        "suspected, but no timescale is given; five working days is assumed from paragraph 12 "
        "(ambiguity A-07).",
        inferred=True,
    ),
    Rule(
        key="rapid_review",
        label="Complete the rapid review and send it to the Panel",
        domain="reviews",
        trigger="Notification sent to the Child Safeguarding Practice Review Panel",
        unit="working_days",
        amount=15,
        direction="after",
        duty="panel",
        citation=f"{_WT}, chapter 4 paragraphs 20 and 9 ([003] L1418, L1359)",
        note="The guidance says 'promptly' and leaves the timescale to the Panel's guidance. "
        "15 working days from the notification is the Panel's published expectation, not "
        "stated in the source texts (DOMAIN G-01): check it against current Panel guidance.",
        inferred=True,
    ),
    Rule(
        key="cspr_publication",
        label="Publish the local child safeguarding practice review",
        domain="reviews",
        trigger="Safeguarding partners decided to carry out a local review",
        unit="months",
        amount=6,
        direction="after",
        duty="should",
        citation=_wt(4, "41", "L1505"),
        note="As soon as possible and no later than six months. If other proceedings delay "
        "publication, tell the Panel and the Secretary of State why (ambiguity A-11).",
    ),
    Rule(
        key="cspr_prepublication_copies",
        label="Send the local review report to the Panel and the Secretary of State",
        domain="reviews",
        trigger="Planned publication date of the local review",
        unit="working_days",
        amount=7,
        direction="before",
        duty="must",
        citation=f"{_WT}, chapter 4 paragraph 40 and footnote 90 ([003] L1504, L1512)",
        note="The latest date to send, counted back from the planned publication date. Ofsted "
        "should get a copy within the same timescale.",
    ),
    Rule(
        key="cspr_public_until",
        label="Keep the local review report publicly available",
        domain="reviews",
        trigger="Local review report published",
        unit="years",
        amount=1,
        direction="after",
        duty="must",
        citation=_wt(4, "38", "L1495"),
        note="The earliest date the report or information may be taken down (ambiguity A-12).",
    ),
    Rule(
        key="national_publication",
        label="The Panel publishes the national child safeguarding practice review",
        domain="reviews",
        trigger="The Panel decided to carry out a national review (the date of its decision)",
        unit="months",
        amount=6,
        direction="after",
        duty="should",
        citation=_wt(4, "50", "L1529"),
        note="The Panel's timescale, shown for information: it never counts in the "
        "partnership's compliance and reminds nobody. If other proceedings delay "
        "publication, the Panel tells the Secretary of State why.",
        owner="panel",
    ),
    Rule(
        key="national_prepublication_copies",
        label="The Panel sends the national review report to the Secretary of State",
        domain="reviews",
        trigger="Planned publication date of the national review",
        unit="working_days",
        amount=7,
        direction="before",
        duty="must",
        citation=f"{_WT}, chapter 4 paragraph 49 ([003] L1528); working day as defined in "
        "footnote 90 ([003] L1512)",
        note="The Panel's timescale, shown for information. Copies to the safeguarding "
        "partners, Ofsted, the CQC and HMICFRS have no timescale (ambiguity A-13).",
        owner="panel",
    ),
    Rule(
        key="national_public_until",
        label="The Panel keeps the national review report publicly available",
        domain="reviews",
        trigger="National review report published",
        unit="years",
        amount=3,
        direction="after",
        duty="must",
        citation=_wt(4, "49", "L1528"),
        note="The Panel's, shown for information: the earliest date the report or information "
        "may be taken down (ambiguity A-12).",
        owner="panel",
    ),
    # --- Safeguarding partnership --------------------------------------------------------
    Rule(
        key="yearly_report",
        label="Publish the safeguarding partners' yearly report",
        domain="partnership",
        trigger="Previous yearly report published",
        unit="months",
        amount=12,
        direction="after",
        duty="must",
        citation=_wt(3, "41", "L1325"),
        note="'At least once in every 12-month period': the stricter rolling 12 months from "
        "the previous report is used (ambiguity A-14).",
    ),
    Rule(
        key="yearly_report_copies",
        label="Send the yearly report to the Panel and the What Works Centre",
        domain="partnership",
        trigger="Yearly report published",
        unit="calendar_days",
        amount=7,
        direction="after",
        duty="should",
        citation=_wt(3, "44", "L1335"),
        note="'Within seven days' has no 'working', so calendar days are used (ambiguity A-06).",
    ),
)
