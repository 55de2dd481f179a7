"""Apply the layout table to a letter's text: which layout, and where each item's parts are.

Pure Python over character offsets, with no spaCy objects, so that both the letter
tokenizer (which cuts tokens at these offsets) and the segmenter component (which turns
them into spans) use one parse.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

from imr_ml.segment import guidelines as gl
from imr_ml.segment.facts import FactReader, Facts
from imr_ml.segment.layouts import CONCLUSION, LAYOUTS, Layout, decision_from

_PARTIAL = re.compile(
    r"^(?P<original>.+?)\s+was\s+the\s+original\s+request\..*?(?:remaining\s+IMR\s+eligible\s+"
    r"portion\s+of\s+the\s+original\s+request,?|The\s+original\s+request,)\s*(?:is\s+)?"
    r"(?P<portion>.+?)(?:\s+is)?$",
    re.IGNORECASE | re.DOTALL,
)
_SPACE = re.compile(r"\s+")
_PATTERN_FIELDS = ("signature", "items_start", "items_end", "block", "item_boundary",
                   "guideline", "ca_guideline", "rationale", "list_start", "list_end",
                   "list_entry")

Bounds = tuple[int, int]


def partial_request(item_text: str) -> tuple[str, str] | None:
    """(original request, eligible portion) of a partly authorised item's text ("X was the
    original request. Y was authorized by the Claims Administrator. The remaining IMR
    eligible portion of the original request, Z is"), or None for any other item."""
    m = _PARTIAL.match(item_text)
    return (m.group("original").strip(), m.group("portion").strip()) if m else None


def decided_item(item_text: str) -> str:
    """What IMR decided of an item stated as `item_text`: the eligible portion of a partly
    authorised item, else the text itself (how label files' item texts are compared)."""
    partial = partial_request(item_text)
    return partial[1] if partial else item_text


@dataclass(slots=True)
class ItemParse:
    """One disputed item: offsets into the text and what the letter states about it."""

    block: Bounds  # the whole item, stripped of surrounding whitespace
    item_text: str  # what IMR decided: for a partly authorised item, the eligible portion
    decision: str | None
    guidelines: list[gl.Citation]  # the reviewer's
    guidelines_claims_administrator: list[gl.Citation]
    rationale: Bounds | None
    original_request: str | None = None
    eligible_portion: str | None = None


@dataclass(slots=True)
class LetterParse:
    """The layout seen (or None), its items, why there are none where that is so, and the
    letter facts (`imr_ml.segment.facts`)."""

    layout: str | None
    items: list[ItemParse] = field(default_factory=list)
    reason: str | None = None
    facts: Facts = field(default_factory=dict)

    def cuts(self) -> set[int]:
        """Every offset where an item or rationale begins or ends."""
        out: set[int] = set()
        for item in self.items:
            out.update(item.block)
            if item.rationale:
                out.update(item.rationale)
        return out


class _Rules:
    """A layout row with its patterns compiled once (unset patterns stay None)."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.rx: dict[str, re.Pattern[str] | None] = {
            name: re.compile(p) if (p := getattr(layout, name)) else None
            for name in _PATTERN_FIELDS
        }
        section = layout.guideline_section or (None, None)
        self.rx["guideline_start"], self.rx["guideline_end"] = (
            re.compile(p) if p else None for p in section
        )


def _strip(text: str, start: int, end: int) -> Bounds:
    """Narrow [start, end) so it neither begins nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _section(text: str, start_rx, end_rx, pos: int = 0) -> Bounds | None:
    """Offsets of the text between a heading and the next heading, or None."""
    m = start_rx.search(text, pos) if start_rx else None
    if m is None:
        return None
    e = end_rx.search(text, m.end()) if end_rx else None
    return m.end(), e.start() if e else len(text)


@dataclass(slots=True)
class _Header:
    start: int  # where the block (and its item text) begins
    body: int  # where the block's text after the header begins
    item: str | None
    decision: str | None
    num: int | None


class LayoutParser:
    """Finds the layout and the items of a letter by the rows of a layout table."""

    def __init__(self, layouts: Iterable[Layout] = LAYOUTS) -> None:
        self.rules = [_Rules(lay) for lay in layouts]
        self.facts = FactReader()

    def parse(self, text: str) -> LetterParse:
        rules = next((r for r in self.rules if r.rx["signature"].search(text)), None)
        if rules is None:
            return LetterParse(None, reason="no known letter layout recognised",
                               facts=self.facts.read(text, None))
        name = rules.layout.name
        items = self._items(text, rules.rx)
        reason = None if items else f"layout {name} recognised but no items found"
        return LetterParse(name, items, reason, self.facts.read(text, name))

    def _items(self, text: str, rx) -> list[ItemParse]:
        region = _section(text, rx["items_start"], rx["items_end"])
        if region is None:
            return []
        lo, hi = region
        listed = self._list(text, rx)
        headers = self._headers(text, rx, lo, hi, bool(listed))
        if not headers and len(listed) == 1:
            headers = [_Header(lo, lo, None, None, 1)]
        shared = _section(text, rx["guideline_start"], rx["guideline_end"])
        shared_guideline = text[shared[0]:shared[1]] if shared else ""
        entries = list(listed.values())
        out: list[ItemParse] = []
        for i, h in enumerate(headers):
            end = headers[i + 1].start if i + 1 < len(headers) else hi
            entry = listed.get(h.num) if h.num is not None else None
            if entry is None and i < len(entries):
                entry = entries[i]
            item, decision = h.item, h.decision
            if entry is not None:
                item, decision = item or entry[0], decision or entry[1]
            guideline, ca_guideline, rationale = self._parts(text, rx, h.body, end)
            if decision is None and rationale is not None:
                decision = self._conclusion(text, rationale)
            block = _strip(text, h.start, end)
            if block[1] <= block[0]:
                continue
            out.append(self._item(block, item, decision, guideline or shared_guideline,
                                  ca_guideline, rationale))
        return out

    @staticmethod
    def _item(block: Bounds, item: str | None, decision: str | None, guideline: str,
              ca_guideline: str, rationale: Bounds | None) -> ItemParse:
        item_text = _SPACE.sub(" ", item or "").strip()
        parsed = ItemParse(block, item_text, decision, gl.parse(guideline),
                           gl.parse(ca_guideline), rationale)
        partial = partial_request(item_text)
        if partial:
            parsed.original_request, parsed.eligible_portion = partial
            parsed.item_text = parsed.eligible_portion
        return parsed

    @staticmethod
    def _conclusion(text: str, rationale: Bounds) -> str | None:
        last = None
        for last in CONCLUSION.finditer(text, *rationale):
            pass
        return decision_from(last.group("decision")) if last else None

    @staticmethod
    def _list(text: str, rx) -> dict[int, tuple[str, str | None]]:
        """Numbered items (and decisions) listed apart from the blocks."""
        bounds = _section(text, rx["list_start"], rx["list_end"])
        if bounds is None or rx["list_entry"] is None:
            return {}
        listed: dict[int, tuple[str, str | None]] = {}
        for k, m in enumerate(rx["list_entry"].finditer(text, *bounds), start=1):
            groups = m.groupdict()
            num = int(groups["num"]) if groups.get("num") else k
            decision = decision_from(groups["decision"]) if groups.get("decision") else None
            listed.setdefault(num, (groups["item"], decision))
        return listed

    @staticmethod
    def _headers(text: str, rx, lo: int, hi: int, numbered_list: bool) -> list[_Header]:
        boundary_rx = rx["item_boundary"]
        boundaries = [lo]
        if boundary_rx is not None:
            boundaries += [m.end() for m in boundary_rx.finditer(text, lo, hi)]
        headers: list[_Header] = []
        expected = 1
        for m in rx["block"].finditer(text, lo, hi):
            groups = m.groupdict()
            num = int(groups["num"]) if groups.get("num") else None
            if numbered_list and num is not None:
                if num != expected:
                    continue  # a numbered line inside a rationale, not a block
                expected += 1
            item, start = groups.get("item"), m.start()
            if item is None and boundary_rx is not None:
                floor = headers[-1].body if headers else lo
                start = max(boundaries[bisect_right(boundaries, m.start()) - 1], floor)
                item = text[start:m.start()]
            decision = decision_from(groups["decision"]) if groups.get("decision") else None
            headers.append(_Header(start, m.end(), item, decision, num))
        return headers

    @staticmethod
    def _parts(text: str, rx, body: int, end: int) -> tuple[str, str, Bounds | None]:
        """The reviewer's and the claims administrator's guideline texts and the rationale
        offsets inside one block."""
        rationale_m = rx["rationale"].search(text, body, end) if rx["rationale"] else None
        stop = rationale_m.start() if rationale_m else end
        g = rx["guideline"].search(text, body, end) if rx["guideline"] is not None else None
        guideline = text[g.start():stop] if g is not None else ""
        ca_stop = g.start() if g is not None else stop
        c = (rx["ca_guideline"].search(text, body, ca_stop)
             if rx["ca_guideline"] is not None else None)
        ca_guideline = text[c.start():ca_stop] if c is not None else ""
        s, e = _strip(text, rationale_m.end() if rationale_m else body, end)
        return guideline, ca_guideline, ((s, e) if e > s else None)
