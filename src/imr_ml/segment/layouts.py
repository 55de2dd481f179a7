"""The letter layouts DWC has used, as one table of rules.

Each row says how one layout marks its parts; `imr_ml.segment` (`parser`) applies any row the same
way. Patterns are regular expressions over the normalised letter text; headings allow any
whitespace between words because PDF extraction breaks them across lines.

An item *block* is the stretch of text for one disputed item (its span on the Doc). Where a
layout lists its items (and decisions) apart from the blocks, `list_*` patterns read that
list and blocks are matched to entries by number, else by order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def words(heading: str) -> str:
    """A heading as a pattern that tolerates line breaks and runs of spaces between words."""
    return r"\s+".join(re.escape(w) for w in heading.split())


@dataclass(frozen=True, slots=True)
class Layout:
    """How one layout marks its items; unset patterns mean the layout lacks that part."""

    name: str
    signature: str  # identifies the layout anywhere in the text
    items_start: str  # blocks are searched after the end of its first match
    block: str  # a block's header; groups: item, decision, num (each optional)
    items_end: str | None = None  # blocks stop at its first match after items_start
    item_boundary: str | None = None  # where the item text may begin, scanning back from the header
    guideline: str | None = None  # the reviewer's guideline part starts here, inside a block
    # the claims administrator's guideline part starts here, inside a block (before the
    # reviewer's, which ends it)
    ca_guideline: str | None = None
    rationale: str | None = None  # the rationale starts after this, inside a block
    list_start: str | None = None  # section listing items (and decisions) apart from blocks
    list_end: str | None = None
    list_entry: str | None = None  # groups: num, item, decision
    guideline_section: tuple[str, str] | None = None  # guidelines stated once, outside blocks


# "Upheld"/"Overturned" after a colon, ending the header line (or glued to the next line).
_HEADER_VERDICT = r":[^\S\n]*\n?[^\S\n]*(?P<decision>(?i:upheld|overturned))(?=\s|\Z|[A-Z])"
# Sentence ends where an item may begin. The two partial-authorisation sentences
# ("X was the original request. Y was authorized by the Claims Administrator.") end inside
# an item header, so they are not boundaries.
_SENTENCE_END = (
    r"[.?!](?<!original request\.)(?<!original\nrequest\.)"
    r"(?<!Claims Administrator\.)(?<!Claims\nAdministrator\.)[\"')\]]*[^\S\n]*\n"
)

LAYOUTS: tuple[Layout, ...] = (
    Layout(
        name="numbered_2013",
        signature=words("INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE"),
        list_start=words("INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE"),
        list_end=r"(?m)^\s*(?:" + words("Medical Qualifications of the Expert Reviewer")
        + "|" + words("Case Summary") + "|" + words("Documents Reviewed") + ")",
        list_entry=(
            r"(?m)^[^\S\n]*(?P<num>\d+)\)\s*MAXIMUS\s+Federal\s+Services,?\s+Inc\.?\s+has\s+"
            r"determined\s+the\s+request\s+for\s+(?P<item>[\s\S]+?)\s+"
            r"(?P<decision>is\s*not|is)\s*medically\s+necessary"
        ),
        items_start=words("INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE"),
        block=(
            r"(?m)^[^\S\n]*(?P<num>\d+)\)\s*Regarding\s+the\s+request\s+for\s+"
            r"(?P<item>[^:]+?)\s*:"
        ),
        items_end=r"(?m)^\s*(?:cc:|/[a-z]{2,4}\s*$|" + words("Copies to") + ")",
        guideline=words("Medical Treatment Guideline(s) Relied Upon by the Expert Reviewer"),
        ca_guideline=words("Medical Treatment Guideline(s) Relied Upon by the Claims Administrator"),
        rationale=words("Rationale for the Decision") + r"\s*:",
    ),
    Layout(
        name="issues_decisions",
        signature=words("IMR ISSUES, DECISIONS AND RATIONALES"),
        items_start=words("IMR ISSUES, DECISIONS AND RATIONALES")
        + r"(?:\s*The\s+Final\s+Determination\s+was\s+based\s+on\s+decisions\s+for\s+the\s+"
        r"disputed\s+items\s*/\s*services\s+set\s+forth\s+below\s*:)?",
        block=_HEADER_VERDICT,
        item_boundary=_SENTENCE_END,
        guideline=r"MAXIMUS\s+guideline\s*:",
        ca_guideline=r"Claims\s+Administrator\s+guideline\s*:",
        rationale=r"Decision\s+rationale\s*:",
    ),
    Layout(
        name="decisions_rationales",
        signature=r"IMR\s+DECISION\(?S?\)?\s+AND\s+RATIONALE\(?S?\)?",
        items_start=r"IMR\s+DECISION\(?S?\)?\s+AND\s+RATIONALE\(?S?\)?",
        block=_HEADER_VERDICT,
        item_boundary=_SENTENCE_END,
        guideline=r"(?:Non-)?MTUS\s+Citation\s*:",
        rationale=r"Decision\s+rationale\s*:",
    ),
    Layout(
        name="issue_at_dispute",
        signature=words("ISSUE AT DISPUTE:"),
        list_start=words("ISSUE AT DISPUTE:"),
        list_end=words("CASE SUMMARY:"),
        # an entry: an optional number, its line, and any lines that wrap it
        list_entry=r"(?m)^[^\S\n]*(?:(?P<num>\d+)[.)][^\S\n]+)?(?P<item>\S[^\n]*"
        r"(?:\n(?![^\S\n]*\d+[.)][^\S\n])[^\S\n]*\S[^\n]*)*)",
        guideline_section=(
            words("MEDICAL TREATMENT GUIDELINE(S) RELIED UPON") + r"[^\n]*",
            r"RATIONALE\s+FOR\s+WHY",
        ),
        items_start=r"RATIONALE\s+FOR\s+WHY\s+THE\s+REQUESTED\s+TREATMENT\s*/\s*SERVICE\s+"
        r"(?:IS\s*/\s*WAS|IS|WAS)\s+NOT\s+MEDICALLY\s+NECESSARY\s*:",
        items_end=words("MEDICAL REVIEWER QUALIFICATIONS"),
        # a numbered paragraph that opens after a sentence end, not a list inside a rationale
        block=r"(?:(?<=[.:]\n)|(?<=\n\n))[^\S\n]*(?P<num>\d+)[.)][^\S\n]+",
    ),
)

# Where no header states the decision, the rationale's concluding sentence does.
CONCLUSION = re.compile(
    r"(?P<decision>(?:is|are|was|were)\s*(?:not)?)\s*(?:medically\s+necessary|"
    r"medically\s+indicated|supported|indicated|recommended)",
    re.IGNORECASE,
)


def decision_from(words_: str) -> str:
    """Map a stated verdict ("Upheld", "is not", "is") to `upheld` or `overturned`."""
    w = words_.lower()
    if "overturn" in w:
        return "overturned"
    return "upheld" if "upheld" in w or "not" in w else "overturned"
