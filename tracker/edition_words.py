"""The words that differ between the editions of Working Together, one vocabulary per edition.

A case (and a yearly report) keeps the edition its clocks started under (`rules_edition`), so
its pages, forms and exports speak that edition's words: who decides, who the child death
review partners are, where yearly reports are copied, which chapter. Templates call the
`edition_words(edition)` global; Python code calls `words_for(edition)`. Facts:
GUIDANCE-2023.md (secondary sources are cited at chapter level, never by paragraph).
"""

from typing import NamedTuple

from tracker.deadlines.rule import CURRENT_EDITION


class EditionWords(NamedTuple):
    """One edition's words. Each is written to follow "the" in running text unless its name
    ends in _start (the start of a sentence)."""

    edition: str
    guidance: str  # the guidance's title and year
    # Who decides on rapid reviews, reviews and reports.
    partners: str
    partners_start: str
    # The child death review partners.
    cdr_partners: str
    # Where yearly reports are copied besides the Panel.
    what_works: str
    incidents_chapter: str  # learning from serious incidents
    arrangements_chapter: str  # multi-agency safeguarding arrangements and the yearly report
    child_deaths_chapter: str  # child death reviews
    # Where the rapid review's 15 working days come from, as a sentence.
    rapid_review_basis: str


WT2018 = EditionWords(
    edition="WT2018",
    guidance="Working Together to Safeguard Children 2018",
    partners="the safeguarding partners",
    partners_start="The safeguarding partners",
    # Integrated care boards replaced clinical commissioning groups on 1 July 2022 by statute
    # (Health and Care Act 2022), and What Works for Children's Social Care became Foundations
    # in June 2023, both within the 2018 edition's time: a case or report of that edition
    # still has someone to write to today.
    cdr_partners="the local authority and the integrated care board, clinical commissioning "
    "groups before July 2022",
    what_works="the What Works Centre (Foundations since June 2023)",
    incidents_chapter="chapter 4",
    arrangements_chapter="chapter 3",  # [003] L1198, the yearly report at L1325-1335
    child_deaths_chapter="chapter 5",
    rapid_review_basis="The Panel's guidance (not Working Together itself) expects it within "
    "15 working days of the notification to the Panel.",
)

WT2023 = EditionWords(
    edition="WT2023",
    guidance="Working Together to Safeguard Children 2023",
    partners="the lead safeguarding partners (or the delegated safeguarding partners they "
    "name)",
    partners_start="The lead safeguarding partners (or the delegated safeguarding partners "
    "they name)",
    cdr_partners="the local authority and the integrated care board",
    what_works="Foundations",
    incidents_chapter="chapter 5",
    arrangements_chapter="chapter 2",  # tracker/deadlines/wt2023.py (secondary sources)
    child_deaths_chapter="chapter 6",
    rapid_review_basis="The Panel's guidance for safeguarding partners (Child safeguarding "
    "practice review: panel guidance for safeguarding partners) sets 15 working days from the "
    "day the notification was sent to the Panel.",
)

WORDS = {words.edition: words for words in (WT2018, WT2023)}


def words_for(edition: str | None) -> EditionWords:
    """The words of an edition; the current edition's for a new record (None)."""
    return WORDS.get(edition or CURRENT_EDITION, WORDS[CURRENT_EDITION])
