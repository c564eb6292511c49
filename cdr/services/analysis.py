"""The national child death analysis form as users read it: the child death review meeting's
draft beside the analysis the CDOP meeting confirmed, item by item, with what it changed.

Reads the case table only (anonymised): the CDOP members' pages show it.

Sources (searched 7 December 2026; the grading scale of the CURRENT national analysis form,
April 2019, updated 2022, is still UNCONFIRMED, so GRADES in cdr.models is unchanged):
- GOV.UK "Child death reviews: forms for reporting child deaths"
  (gov.uk/government/publications/child-death-reviews-forms-for-reporting-child-deaths): the
  stored copy names the form ("Fill in 'Child death analysis form' so the CDOP can analyse the
  case") but does not reproduce its questions, scale or wording.
- The pre-2019 "Form C - Analysis Proforma" (a copy at docsbay.net/this-proforma-is-used-by-
  the-child-death-overview-panel-cdop-to): "For each of the four domains below, determine
  different levels of influence (0-3) for any identified factors: 0-Information not available
  1-No factors identified 1*-Factors identified but are unlikely to have contributed to the
  death 2-Factors identified that may have contributed to vulnerability, ill-health or death
  3-Factors identified that provide a complete and sufficient explanation for the death";
  first domain "Domain - Child's needs / Factors intrinsic to the child". The form it replaced.
- Scotland's steering group report, Annex 5 "Analysis Proforma" (gov.scot, child death reviews
  steering group report, page 12): domains "Factors intrinsic to the child", "Factors in the
  child's family and social environment", "Factors in the child's wider and physical
  environment" (a Scottish adaptation, not the English form).
- NCMD, "CDR statutory form changes, April 2021" (ncmd.info/2021/03/31/database-apr2021/):
  the April 2021 changes "affect Notification, Reporting and Analysis forms", without saying
  what changed on the analysis form.
- NCMD, "Information for professionals" (ncmd.info/professionals/), "Category of death:
  Clarifications": "Category 5, Acute medical or surgical condition - should include sudden
  unexpected deaths with epilepsy (SUDEP)": the fifth of CATEGORIES, as ordered here.
Not found in any source read: the current form's grading scale and its wording, the wording
of its modifiable-factors question and answers, and its full list of categories.
"""

from typing import NamedTuple

from cdr.models import (
    CATEGORIES,
    CONFIRMED_ANALYSIS,
    DOMAINS,
    DRAFT_ANALYSIS,
    GRADES,
    MODIFIABLE,
)

# (item, label, vocabulary for a coded answer or None for free text), in the form's order.
ITEMS = (
    ("category", "Category of death", CATEGORIES),
    *(entry for domain, name in DOMAINS.items() for entry in (
        (f"factors_{domain}", f"Factors: {name[0].lower()}{name[1:]}", None),
        (f"grade_{domain}", f"Grade: {name[0].lower()}{name[1:]}", GRADES))),
    ("modifiable", "Modifiable factors identified", MODIFIABLE),
    ("modifiable_reason", "Why", None),
    ("learning", "Learning", None),
    ("actions", "Actions", None),
)


class AnalysisRow(NamedTuple):
    """One item of the analysis form: the draft's answer, the confirmed one, and whether the
    CDOP meeting changed it (only once it has confirmed the analysis)."""

    item: str
    label: str
    draft: str | None
    confirmed: str | None
    changed: bool


def _shown(value, vocabulary):
    if value is None or value == "":
        return None
    return vocabulary.get(value, value) if vocabulary else value


def compared(case) -> list[AnalysisRow]:
    """Every item of the analysis form, draft beside confirmed."""
    confirmed = case.review_completed_on is not None
    rows = []
    for item, label, vocabulary in ITEMS:
        draft = _shown(getattr(case, DRAFT_ANALYSIS[item]), vocabulary)
        final = _shown(getattr(case, CONFIRMED_ANALYSIS[item]), vocabulary)
        rows.append(AnalysisRow(item, label, draft, final, confirmed and draft != final))
    return rows


def has_draft(case) -> bool:
    """Whether the child death review meeting proposed anything on the analysis form."""
    return any(getattr(case, column) for column in DRAFT_ANALYSIS.values())


def draft_factors_text(row) -> str | None:
    """The draft's factors in one text, domain by domain with their grade (for the panel
    pack), after any factors written before the four domains; `row` has the case's columns."""
    lines = [row.analysis_factors] if row.analysis_factors else []
    for domain, name in DOMAINS.items():
        factors = getattr(row, DRAFT_ANALYSIS[f"factors_{domain}"])
        grade = getattr(row, DRAFT_ANALYSIS[f"grade_{domain}"])
        if factors or grade:
            graded = f" (grade {grade})" if grade else ""
            lines.append(f"{name}{graded}: {factors or 'none written'}")
    return "\n".join(lines) or None


def category_text(row) -> str:
    """The confirmed category, else the draft's as proposed, else "Not yet decided"."""
    if row.category:
        return CATEGORIES.get(row.category, row.category)
    if row.draft_category:
        return f"Proposed: {CATEGORIES.get(row.draft_category, row.draft_category)}"
    return "Not yet decided"


# The columns draft_factors_text and category_text read.
PACK_COLUMNS = ("analysis_factors", "category", "draft_category",
                *(DRAFT_ANALYSIS[f"{kind}_{domain}"] for domain in DOMAINS
                  for kind in ("factors", "grade")))
