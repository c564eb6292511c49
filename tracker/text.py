"""Single-line text: what a name, an agency, a reference or a title may hold, and how stored
text is made safe for an e-mail header, a calendar entry or a file name.

A single-line value refuses every Unicode control character (category Cc: tab, line feed,
carriage return, NEL and the rest of C0 and C1), the line and paragraph separators (Zl, Zp)
and the invisible format characters (Cf: bidirectional overrides, zero-width space, byte
order mark, soft hyphen), except the zero-width joiner and non-joiner, which some scripts
(Persian, the Indic scripts) and emoji need inside a name. Text stored before this rule, or
written straight into the database, is folded onto one line wherever it leaves the tracker
(`one_line`), so building a message never fails on it.
"""

import re
import unicodedata

REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
ALLOWED = frozenset({"\u200c", "\u200d"})  # zero-width non-joiner and joiner
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._]+")


def is_refused(character: str) -> bool:
    """Whether a single-line value may not hold this character."""
    return character not in ALLOWED and unicodedata.category(character) in REFUSED_CATEGORIES


def has_control(text: str | None) -> bool:
    """Whether the text holds a line break, a tab or another control character."""
    return bool(text) and any(is_refused(character) for character in text)


def one_line(text: str | None) -> str:
    """The text on one line: each run of refused characters becomes one space."""
    if not text:
        return ""
    folded, space = [], False
    for character in text:
        if is_refused(character):
            space = True
            continue
        if space and folded:
            folded.append(" ")
        space = False
        folded.append(character)
    return "".join(folded).strip()


def file_name(text: str | None, fallback: str = "download") -> str:
    """A name safe in a Content-Disposition header: letters, digits, '.', '_' and '-'."""
    return _SAFE_NAME.sub("-", one_line(text)).strip("-.") or fallback  # runs become one "-"
