"""What a letter disputes: its items, their decisions, reasons, quantities and item texts.

Labels are fixed here, before any text is written; phrasing and noise never change them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from imr_ml.corpus.synth.body import REGIONS
from imr_ml.corpus.synth.case import Case
from imr_ml.corpus.synth.catalogue import (
    ASSOCIATED,
    CRITERIA,
    REASON_WEIGHTS,
    TREATMENTS,
    Cite,
    Criterion,
    Qty,
    Treatment,
    applicable,
)

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen", "twenty", "twenty-one", "twenty-two", "twenty-three",
         "twenty-four")

P_OVERTURN = 0.07  # a stand-alone item
P_SURGERY_OVERTURN = 0.2
# of upheld items that can be partly authorised, in layouts that show it; on any ground, as in
# real letters (the working half: 12 partly authorised items, 5 of them exceeding a quantity)
P_PARTIAL = 0.09
PARTIAL_LAYOUTS = ("issues_decisions", "decisions_rationales")
SESSION_UNITS = ("sessions", "visits")
MEDICATIONS = ("opioid", "nsaid", "muscle_relaxant", "anticonvulsant", "ppi", "hypnotic")


@dataclass
class Item:
    """One disputed item with its labels and the facts its rationale will state."""

    treatment: Treatment
    region: str | None
    bp: str
    decision: str
    reasons: list[str]
    other_ground: str | None = None
    n: int | None = None
    prior: int = 0
    item_text: str = ""
    ref: str = ""  # how the rationale names the request ("the request for <ref>")
    partial: bool = False
    cites: list[Cite] = field(default_factory=list)
    ca_cites: list[Cite] = field(default_factory=list)
    criteria: list[Criterion] = field(default_factory=list)
    surgery_ok: bool | None = None  # associated services: was their surgery approved
    hard: list[str] = field(default_factory=list)

    @property
    def guidelines(self) -> list[str]:
        return list(dict.fromkeys(c.source for c in self.cites))


def _weighted(rng: random.Random, options: list[str], weights: dict[str, float]) -> str:
    total = sum(weights[o] for o in options)
    x = rng.random() * total
    for o in options:
        x -= weights[o]
        if x <= 0:
            return o
    return options[-1]


def _pick_treatments(rng: random.Random, k: int) -> list[Treatment]:
    pool = [t for t in TREATMENTS if t.category != "surgery"]
    chosen: list[Treatment] = []
    while len(chosen) < k and pool:
        total = sum(t.weight for t in pool)
        x = rng.random() * total
        for t in pool:
            x -= t.weight
            if x <= 0:
                break
        chosen.append(t)
        pool.remove(t)
    return chosen


def _reasons(rng: random.Random, t: Treatment) -> list[str]:
    ok = [r for r, a in applicable(t).items() if a]
    if t.category == "associated":
        return ["other"]
    primary = _weighted(rng, ok, REASON_WEIGHTS)
    reasons = [primary]
    rest = [r for r in ok if r != primary]
    for p in (0.34, 0.1):
        if rest and rng.random() < p:
            r = _weighted(rng, rest, REASON_WEIGHTS)
            reasons.append(r)
            rest.remove(r)
    if "other" in reasons and len(reasons) > 1:
        reasons.remove("other")  # "other" grounds stand alone in these letters
    return sorted(reasons)


def _cites(rng: random.Random, t: Treatment, region: str | None) -> list[Cite]:
    k = 1 if len(t.cites) == 1 or rng.random() < 0.65 else 2
    chosen = rng.sample(t.cites, k)
    r = REGIONS[region] if region else REGIONS["lumbar"]
    out = []
    for c in chosen:
        title = c.title.format(mtus=r.mtus, odg=r.odg, acoem_no=r.acoem_no)
        out.append(Cite(c.source, title, c.section, c.pages, c.prose))
    return out


def _schedules(n: int) -> list[tuple[int, int]]:
    return [(f, n // f) for f in (1, 2, 3) if n % f == 0 and 2 <= n // f <= 8]


def render_item(t: Treatment, n: int | None, bp: str, case: Case, rng: random.Random,
                region: str | None, *, numbered: bool, template: str | None = None) -> str:
    """An item text, from one of the treatment's templates (with or without quantity)."""
    if template is None:
        template = choose_template(t, n, rng, numbered=numbered)
    side = case.sides.get(region or "knee", "right")
    fw = _schedules(n) if n else []
    f, w = rng.choice(fw) if fw else (0, 0)
    values = {
        "n": str(n), "N": WORDS[n].capitalize() if n and n < len(WORDS) else str(n),
        "freq": str(f), "weeks": str(w), "bp": bp, "side": side, "Side": side.capitalize(),
        "date": case.fmt(case.visit, 1), "refills": str(rng.randint(1, 3)),
    }
    text = template
    for k, v in values.items():
        text = text.replace("{" + k + "}", v)
    if numbered:
        text = lower_first(text)
    return " ".join(text.split())


def lower_first(text: str) -> str:
    """Lower the first letter unless the first word is an acronym ("MRI", "EMG/NCS")."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and (first[1].isupper() or first[1].isdigit()):
        return text
    return text[:1].lower() + text[1:]


def choose_template(t: Treatment, n: int | None, rng: random.Random, *, numbered: bool) -> str:
    if n is None:
        pool = list(t.noqty_items) or [i for i in t.items if "{n}" not in i and "{N}" not in i
                                       and "{freq}" not in i]
    else:
        pool = [i for i in t.items if "{n}" in i or "{N}" in i or "{freq}" in i]
        if not _schedules(n):
            pool = [i for i in pool if "{freq}" not in i] or pool
        if n >= len(WORDS):
            pool = [i for i in pool if "{N}" not in i] or pool
    pool = pool or list(t.items)
    if not t.regions:
        pool = [i for i in pool if "{bp}" not in i] or pool
    if numbered:
        pool = [i for i in pool if ":" not in i] or ["{t0}"]
    template = rng.choice(pool)
    return template.replace("{t0}", t.names[0])


def _prior_within(rng: random.Random, q: Qty, n: int) -> int:
    """Sessions already had before a request of `n` that does not exceed: where the allowance
    is the guideline's total, few enough that the two together stay within it."""
    if not q.total:
        return rng.choice((4, 6, 8))
    return rng.choice([p for p in (2, 3, 4, 6, 8) if p + n <= q.allowed])


def _plan_item(rng: random.Random, t: Treatment, case: Case, layout: str, decision: str,
               reasons: list[str], surgery_ok: bool | None = None) -> Item:
    numbered = layout == "numbered_2013"
    region = None
    if t.regions:
        options = [r for r in case.regions if r in t.regions] or list(t.regions)
        region = rng.choice(options)
    bp = case.body_name(region, rng) if region else ""
    item = Item(t, region, bp, decision, reasons, surgery_ok=surgery_ok)
    # other: pick a ground that fits
    if "other" in reasons:
        grounds = ["surgery_denied"] if t.category == "associated" else [
            g for g in t.other if g != "surgery_denied"]
        if t.qty is None and not t.noqty_items:
            grounds = [g for g in grounds if g != "unspecified"] or grounds
        item.other_ground = rng.choice(grounds)
    # quantity
    q = t.qty
    has_qty = any("{n}" in i or "{N}" in i or "{freq}" in i for i in t.items)
    if item.other_ground in ("unspecified", "body_part") and (t.noqty_items or not has_qty):
        item.n = None
    elif q is not None:
        if "exceeds_guideline_quantity" in reasons:
            if q.unit in SESSION_UNITS and "no_functional_improvement" in reasons \
                    and rng.random() < 0.6:
                item.prior = rng.choice((6, 8, 10, 12, 18))
                item.n = rng.choice(q.within + q.exceed)
                if item.prior + item.n <= q.allowed:
                    item.n = q.exceed[0]
            else:
                item.n = rng.choice(q.exceed)
        else:
            item.n = rng.choice(q.within)
            if "no_functional_improvement" in reasons and q.unit in SESSION_UNITS:
                item.prior = _prior_within(rng, q, item.n)
    elif has_qty:
        if t.category == "topical":
            item.n = rng.choice((60, 120, 180, 240))
        elif t.category in MEDICATIONS:
            item.n = rng.choice((30, 60, 60, 90, 90, 120, 180))
        else:
            item.n = rng.choice((2, 4, 6, 8))
    if "no_functional_improvement" in reasons and not item.prior:
        item.prior = rng.choice((6, 8, 12))
    if decision == "overturned" and t.fi and rng.random() < 0.4:
        item.prior = rng.choice((3, 4, 6)) if q is None or q.unit not in SESSION_UNITS else 0
    # criteria for the indication
    keys = list(t.criteria)
    rng.shuffle(keys)
    item.criteria = [CRITERIA[k] for k in keys[:2]]
    # item text
    if item.other_ground == "retro_records" and not numbered:
        base = render_item(t, item.n, bp, case, rng, region, numbered=False)
        if not base.lower().startswith("retro"):
            base = f"Retrospective {base}"
        if "DOS" not in base:
            base += rng.choice((f" (DOS {case.fmt(case.visit, 1)})",
                                f", DOS: {case.fmt(case.visit, 1)}"))
        item.item_text = base
    elif item.other_ground == "body_part" and region:
        template = choose_template(t, item.n, rng, numbered=numbered)
        text = render_item(t, item.n, "{bp}", case, rng, region, numbered=numbered,
                           template=template)
        for cut in (" for the {bp}", " to the {bp}", " of the {bp}", ", {bp}",
                    " ({bp})", " the {bp}"):
            text = text.replace(cut, "")
        item.item_text = text.replace("{bp}", "").strip(" ,")
    else:
        item.item_text = render_item(t, item.n, bp, case, rng, region, numbered=numbered)
    item.ref = item.item_text if numbered else lower_first(item.item_text)
    # partial authorisation
    if (layout in PARTIAL_LAYOUTS and q is not None and item.n and t.category != "associated"
            and item.other_ground is None and reasons and rng.random() < P_PARTIAL):
        _make_partial(rng, item, case)
    item.cites = _cites(rng, t, region)
    item.ca_cites = _cites(rng, t, region)
    return item


def _make_partial(rng: random.Random, item: Item, case: Case) -> None:
    t, q = item.treatment, item.treatment.qty
    assert q is not None and item.n is not None
    total = item.n
    auth = min(q.allowed, total - 1) if q.unit in SESSION_UNITS else max(1, total // 2)
    auth = max(1, auth - item.prior) if q.unit in SESSION_UNITS and item.prior else auth
    rest = total - auth
    if rest <= 0:
        return
    template = choose_template(t, total, rng, numbered=False)
    if "{freq}" in template:
        template = next((i for i in t.items if "{n}" in i or "{N}" in i), template)
    region = item.region

    def txt(n: int) -> str:
        return render_item(t, n, item.bp, case, rng, region, numbered=False,
                           template=template)

    original, authorised, portion = txt(total), txt(auth), txt(rest)
    if rng.random() < 0.3:
        portion = lower_first(portion)
    tail = " is" if rng.random() < 0.85 else ""
    item.item_text = (f"{original} was the original request. {authorised} was authorized by "
                      f"the Claims Administrator. The remaining IMR eligible portion of the "
                      f"original request, {portion}{tail}")
    item.ref = lower_first(portion)
    item.n = rest
    item.partial = True
    item.hard.append("partial")


def plan_letter(rng: random.Random, case: Case, layout: str) -> list[Item]:
    """The items of one letter, in letter order."""
    numbered = layout == "numbered_2013"
    items: list[Item] = []
    bundle = rng.random() < 0.045
    if bundle:
        surgeries = [t for t in TREATMENTS if t.category == "surgery"
                     and any(r in case.regions for r in t.regions)] or \
            [t for t in TREATMENTS if t.category == "surgery"]
        s = rng.choice(surgeries)
        ok = rng.random() < P_SURGERY_OVERTURN
        reasons = [] if ok else _reasons(rng, s)
        items.append(_plan_item(rng, s, case, layout, "overturned" if ok else "upheld",
                                reasons))
        big = rng.random() < 0.5
        k = rng.randint(9, min(16, len(s.associated) + 6)) if big else rng.randint(2, 5)
        services = list(s.associated)
        rng.shuffle(services)
        chosen = services[:k]
        while big and len(chosen) < k:  # big bundles repeat labs/therapy with variants
            chosen.append(rng.choice(s.associated))
        seen: set[str] = {items[0].item_text}
        for key in chosen:
            a = ASSOCIATED[key]
            if ok:
                upheld = a.qty is not None and rng.random() < 0.5
                reasons_a = ["exceeds_guideline_quantity"] if upheld else []
                it = _plan_item(rng, a, case, layout, "upheld" if upheld else "overturned",
                                reasons_a, surgery_ok=True)
            else:
                it = _plan_item(rng, a, case, layout, "upheld", ["other"], surgery_ok=False)
                it.hard.append("surgery_associated")
            if it.item_text in seen or (numbered and ":" in it.item_text):
                continue
            seen.add(it.item_text)
            items.append(it)
        extra = rng.choice((0, 0, 1, 2))
    else:
        extra = rng.choices((1, 2, 3, 4, 5, 6), (42, 23, 14, 9, 6, 6))[0]
    seen_texts = {i.item_text for i in items}
    for t in _pick_treatments(rng, extra):
        over = rng.random() < P_OVERTURN
        it = _plan_item(rng, t, case, layout, "overturned" if over else "upheld",
                        [] if over else _reasons(rng, t))
        if it.item_text in seen_texts:
            continue
        seen_texts.add(it.item_text)
        items.append(it)
    if len(items) > 1 and len(items[0].reasons) <= 1 and not bundle and rng.random() < 0.2:
        rng.shuffle(items)
    return items
