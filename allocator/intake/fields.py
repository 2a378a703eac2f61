"""The fields of an Expression of Interest, and loose matching of a form's labels to them.

Forms are reworded and reordered from year to year, and online forms ask the same
questions in their own words, so a label is matched by the words it contains, not
by its exact text: "School URN", "URN" and "Unique Reference Number (URN)" are all
the `urn`; "Email" under a "Mastery Advocate 2" heading, "Mastery Advocate 2 email"
and "Email address of your second advocate" are all `advocate_2_email`.
"""

from __future__ import annotations

import re
from datetime import date, datetime

PEOPLE = ("headteacher", "head_of_department", "advocate_1", "advocate_2")
PERSON_PARTS = ("name", "email", "trn", "role", "years", "signature", "date")
SCHOOL_FIELDS = (
    "name",
    "urn",
    "address",
    "postcode",
    "telephone",
    "hub",
    "phase",
    "stage",
    "trust",
    "worked_with",
    "previous_specialist_name",
    "statement",
    "date",
)
FIELDS = SCHOOL_FIELDS + tuple(f"{p}_{part}" for p in PEOPLE for part in PERSON_PARTS)
PERSON_WORDS = {
    "headteacher": "headteacher",
    "head_of_department": "head of department",
    "advocate_1": "Mastery Advocate 1",
    "advocate_2": "Mastery Advocate 2",
}

# Whose field a label is about. Head of department first: "head of" is not a headteacher.
_SUBJECTS = (
    (
        "head_of_department",
        r"head of (the )?(maths|mathematics|department)|\bhod\b|subject lead|maths lead|"
        r"curriculum lead|department head",
    ),
    ("headteacher", r"\bhead ?teacher\b|\bprincipal\b|senior lead|head of school|executive head"),
    ("advocate_1", r"advocate (1|one)\b|\b(first|1st) (mastery )?advocate\b|advocate a\b"),
    ("advocate_2", r"advocate (2|two)\b|\b(second|2nd) (mastery )?advocate\b|advocate b\b"),
)
# Which part of a person. Email before name ("name and email" is an email's label too rarely to matter).
_PARTS = (
    ("email", r"\bemail\b"),
    ("trn", r"\btrn\b|teacher reference"),
    ("years", r"year groups?|years? taught|key stages?|classes taught|\bteach(es|ing)?\b"),
    ("role", r"\brole\b|\bposition\b|job title|responsibilit"),
    ("signature", r"signature|\bsigned\b|\bsign\b"),
    ("date", r"\bdate\b"),
    ("name", r"\bname\b"),
)


# Fields about the school as a whole, after the previous specialist's: the first match wins.
_SCHOOL_LABELS = (
    ("statement", r"statement|\bwhy\b|150 words|supporting|motivation"),
    ("urn", r"\burn\b|unique reference"),
    ("hub", r"\bhub\b"),
    ("address", r"^(?!.*email).*address"),  # "address", but not an email address
    ("postcode", r"\bpost ?code\b"),
    ("trust", r"\btrust\b|\bmat\b"),
    ("phase", r"\bphase\b"),
    ("stage", r"^(?!.*key stage).*\bstage\b"),  # "stage", but not "key stage"
    ("telephone", r"telephone|\bphone\b|\btel\b|contact number"),
)


def normalise_label(text: str) -> str:
    """Lower case, `&` as `and`, e-mail as email, punctuation as spaces, one space."""
    text = text.lower().replace("&", " and ").replace("e-mail", "email").replace("e mail", "email")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def subject_of(text: str) -> str | None:
    """The person a label or heading names (one of PEOPLE), or None."""
    label = normalise_label(text)
    for subject, pattern in _SUBJECTS:
        if re.search(pattern, label):
            return subject
    return None


def _part_of(label: str) -> str | None:
    for part, pattern in _PARTS:
        if re.search(pattern, label):
            return part
    return None


def school_field(label: str) -> str | None:
    """A field about the school as a whole, or None. Order matters: the first match wins."""
    if re.search(r"\bspecialist\b", label):
        if re.search(r"worked|work with|involve|previous|been supported|has your|have you", label):
            return "worked_with"
        return "previous_specialist_name"
    if re.match(r"if (yes|so)\b", label) and re.search(r"\b(who|which|name)\b", label):
        return "previous_specialist_name"  # the follow-up to "Has your school worked with ...?"
    for field, pattern in _SCHOOL_LABELS:
        if re.search(pattern, label):
            return field
    return None


def match_field(text: str, context: str | None = None) -> str | None:
    """The field a label names, or None when it names none.

    Parameters
    ----------
    text
        The label as written ("Mastery Advocate 1 - Email address", "TRN:").
    context
        The person of the section the label is in (from a heading such as "Mastery
        Advocate 2"), used when the label itself names nobody.
    """
    label = normalise_label(text)
    if not label or len(label) > 200:
        return None
    field = school_field(label)
    if field is not None:
        return field
    own = subject_of(label)
    part = _part_of(label)
    if own is None and re.search(r"\bschool\b", label) and part in (None, "name"):
        return "name"
    if own is None and (part == "date" or re.search(r"completion time|timestamp|submitted|submission", label)):
        return "date" if context is None else f"{context}_date"
    subject = own or context
    if subject is None:
        return None
    if part is None:  # a label that only names a person ("Headteacher:") holds their name
        return f"{subject}_name" if own is not None else None
    return f"{subject}_{part}"


# --------------------------------------------------------------------------- values

_PLACEHOLDERS = re.compile(
    r"click (or tap )?here to enter (a )?(text|date)\.?|choose an item\.?|enter text( here)?\.?", re.IGNORECASE
)
_EMPTY_WORDS = {"", "n/a", "na", "-", "--", "none", "tbc", "nil", "."}
CHECKED = "☒☑✓✔■"
UNCHECKED = "☐□"


def clean_value(text: str) -> str:
    """A value as written, without Word's placeholder text; '' for blanks such as 'n/a'."""
    text = _PLACEHOLDERS.sub("", text or "")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    text = "\n".join(line for line in lines if line).strip()
    return "" if text.lower() in _EMPTY_WORDS else text


def yes_no(text: str) -> str | None:
    """'yes', 'no' or None from an answer: plain words, or ticked boxes (☒ Yes ☐ No)."""
    compact = " ".join(text.split())
    for pattern in (rf"[{CHECKED}xX]\s*(yes|no)\b", rf"\b(yes|no)\s*[{CHECKED}]"):
        ticked = re.findall(pattern, compact, flags=re.IGNORECASE)
        if len({t.lower() for t in ticked}) == 1:
            return ticked[0].lower()
    if any(mark in compact for mark in CHECKED + UNCHECKED):
        return None  # boxes, none (or both) ticked
    match = re.match(r"\s*(yes|no|y|n)\b", compact, flags=re.IGNORECASE)
    if match:
        return "yes" if match.group(1).lower().startswith("y") else "no"
    return None


def after_yes_no(text: str) -> str:
    """What follows a yes/no answer ("Yes - Jo Bloggs" → "Jo Bloggs")."""
    rest = re.sub(rf"[{CHECKED}{UNCHECKED}]\s*(yes|no)\b", " ", text, flags=re.IGNORECASE)
    rest = re.sub(r"^\s*(yes|no|y|n)\b", "", rest.strip(), flags=re.IGNORECASE)
    rest = re.sub(
        r"^[\s,;:.\-–—()]*(if yes,?|if so,?)?\s*(who|which|name)?\s*[?:]?[\s,;:.\-–—]*", "", rest, flags=re.IGNORECASE
    )
    return clean_value(rest.strip(" .()"))


_MONTHS = {m: n for n, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}


def parse_date(text: str) -> date | None:
    """A date written on a form, day first as in the UK: 12/03/2026, 12.3.26, 12 March
    2026, 12th Mar 2026, 2026-03-12 (with or without a time); None when there is none."""
    text = text.strip()
    candidates: list[date | None] = []
    for match in re.finditer(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        candidates.append(_date(int(match.group(1)), int(match.group(2)), int(match.group(3))))
    for match in re.finditer(r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})\b", text):
        year, month, day = int(match.group(3)), int(match.group(2)), int(match.group(1))
        if month > 12 >= day:  # month first, as American exports write it (3/14/26)
            month, day = day, month
        candidates.append(_date(year + 2000 if year < 100 else year, month, day))
    for match in re.finditer(r"\b(\d{1,2})(st|nd|rd|th)?\s+([a-z]{3})[a-z]*\.?,?\s+(\d{4})\b", text, re.IGNORECASE):
        named = _MONTHS.get(match.group(3).lower())
        if named:
            candidates.append(_date(int(match.group(4)), named, int(match.group(1))))
    found = [c for c in candidates if c is not None]
    return max(found) if found else None


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return datetime(year, month, day).date()
    except ValueError:
        return None
