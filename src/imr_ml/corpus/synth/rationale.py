"""Write an item's decision rationale from its labels, in the phrasing of one style family."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from imr_ml.corpus.synth.case import Case
from imr_ml.corpus.synth.catalogue import Treatment
from imr_ml.corpus.synth.fill import SlotValue, fill
from imr_ml.corpus.synth.phrasing import FAMILY_VOCAB, Style, styles_of
from imr_ml.corpus.synth.plan import WORDS, Item, lower_first
from imr_ml.segment.layouts import CONCLUSION, decision_from

# How a rationale names each guideline source.
SOURCE_PROSE: dict[str, tuple[str, ...]] = {
    "MTUS": ("the CA MTUS guidelines", "the MTUS guidelines", "the California MTUS guidelines",
             "the MTUS Chronic Pain Guidelines"),
    "ODG": ("the Official Disability Guidelines", "the ODG guidelines"),
    "ACOEM": ("the ACOEM guidelines", "the ACOEM Practice Guidelines"),
    "other": ("the cited references",),
}
GENERIC_GAIN = ("a 40 percent reduction in pain and a return to modified duty",
                "better sitting and walking tolerance with less medication use")
GENERIC_NEED2 = ("a clear treatment plan with measurable goals",
                 "a treatment plan with measurable goals")
CONCLUDE_STATED = 0.93  # where the letter states the decision elsewhere
VERDICT_FIRST = (0.05, 0.3, 0.25)  # per family: how often a rationale opens with its verdict
PASSAGE_FIRST = (0.9, 0.6, 0.2)  # per family: the guideline passage before the record summary
AFFIRM = 0.3
UNADDRESSED = 0.4  # no MTUS citation: say that the MTUS does not address the request
CAVEAT = 0.25  # the guideline's restriction ("not indicated without ..."), doubled if overturned
CLOSING = 0.3  # upheld: "no exceptional factors ..." after the grounds
OPIOID_NOTE = 0.5  # upheld opioids: the note on tapering after the verdict
# The note IMR letters add to upheld opioid items (written for this project). It must not
# read as a verdict: `_reads_as` and the segmenter look for the last "is (not) <verdict>".
OPIOID_NOTES = (
    ("This determination concerns only the opioid as it has been prescribed to this patient; "
     "it is not advice to stop the medication abruptly. The patient should discuss with the "
     "treating physician how any taper is to be carried out, using the MTUS guidance on "
     "weaning opioids and other relevant guidance."),
    ("The determination addresses the opioid as currently prescribed and should not be read "
     "as a recommendation for abrupt discontinuation. Any weaning should be planned with the "
     "treating physician following the MTUS section on tapering opioids."),
)


@dataclass
class Rationale:
    paragraphs: list[list[tuple[str, str]]]  # (text, kind) segments; kind body or concl
    styles: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(s for p in self.paragraphs for s, _ in p)


def _bare(t: Treatment) -> tuple[str, ...]:
    return tuple(n for n in t.names if not n.startswith("the ")) or (t.names[0],)


def _requested(item: Item) -> tuple[str, ...]:
    q, n = item.treatment.qty, item.n
    if q is None or n is None:
        return ("the amount requested",)
    word = WORDS[n] if n < len(WORDS) else str(n)
    if n == 1 and q.unit in ("sessions", "visits"):
        return (f"one {q.unit[:-1]}", f"a single {q.unit[:-1]}")
    if q.unit in ("sessions", "visits"):
        return (f"{n} {q.unit}", f"{word} {q.unit}", f"{n} additional {q.unit}")
    if q.unit == "tablets":
        return (f"#{n}", f"{n} tablets", f"a quantity of {n}")
    if q.unit == "days":
        if item.treatment.category == "associated":
            return (f"{n} days", f"a {n}-day stay" if item.treatment.key == "inpatient"
                    else f"{n} days of use")
        return (f"a {n}-day rental", f"{n} days")
    return (f"{n} {q.unit}",)


def _excess(item: Item) -> tuple[str, ...]:
    q, n = item.treatment.qty, item.n
    if q is None or n is None or "exceeds_guideline_quantity" not in item.reasons:
        return ("",)
    if item.prior and q.unit in ("sessions", "visits"):
        total = item.prior + n
        return ((f", which on top of the {item.prior} {q.unit} already completed would bring "
                f"the total to {total}"), (f" in addition to {item.prior} prior {q.unit} "
                f"(a total of {total})"), f" after {item.prior} {q.unit} already done")
    if q.per_day:
        days = n // q.per_day
        return (f", about {days} days of use at the prescribed dose",
                f", a supply of roughly {days} days", "")
    return ("",)


def item_slots(item: Item, case: Case, family: int, base: dict[str, SlotValue],
               rng: random.Random) -> dict[str, SlotValue]:
    """Slot values for every template of this item."""
    t = item.treatment
    vocab = FAMILY_VOCAB[family]
    slots: dict[str, SlotValue] = dict(base)
    src: list[str] = []
    for c in item.cites:
        src.extend(SOURCE_PROSE[c.source])
    crit = item.criteria
    need2 = (crit[1].need, crit[1].missing) if len(crit) > 1 else GENERIC_NEED2
    bare = _bare(t)
    fi_sub = {"t": bare, "prior": str(item.prior or 6), "since": base["since"]}
    fi = tuple(lower_first(fill(p, fi_sub, rng)) for p in t.fi) or (
        "the earlier treatment",)
    q = t.qty
    slots.update(
        t=bare, records=vocab["records"], prov=vocab["prov"],
        records_noun=("progress notes", "reports", "clinic notes"),
        src=tuple(dict.fromkeys(src)), supports=t.supports,
        need=crit[0].need if crit else "a clear clinical indication",
        missing=crit[0].missing if crit else "a clear clinical indication",
        found=(crit[0].found, *crit[0].found_more) if crit else "a clear clinical indication",
        need2=need2[0], missing2=need2[1],
        fi_prior=fi, gain=t.gain or GENERIC_GAIN,
        allowed=q.allowed_text if q else ("the recommended amount",),
        requested=_requested(item), excess_clause=_excess(item),
        nr_subject=t.not_rec[0] if t.not_rec else "this treatment",
        nr_why=t.not_rec[1] if t.not_rec else "the evidence does not support it",
        dos=case.fmt(case.visit), item_ref=(item.ref, item.ref, item.ref, bare[0]),
        nomod=("", "", ", and the request cannot be partially certified"),
        pain_since=("", " since {since}"),
    )
    if item.partial:
        slots["item_ref"] = (item.ref,)
    return slots


def _run(style: Style, ground: str, slots: dict[str, SlotValue], rng: random.Random,
         tags: list[str]) -> list[str]:
    out = []
    for step in style.grounds[ground]:
        template = rng.choice(step)
        if not template:
            continue
        sentence = fill(template, slots, rng, tags)
        if not sentence:
            continue
        if sentence[-1] not in ".?!:":
            sentence += "."
        out.append(sentence)
    return out


def _connect(sentences: list[str], connector: str) -> list[str]:
    if not sentences:
        return sentences
    if connector.endswith("."):
        return [connector, *sentences]
    return [f"{connector} {lower_first(sentences[0])}", *sentences[1:]]


def _words(parts: list[list[str]]) -> int:
    return sum(len(s.split()) for p in parts for s in p)


def _pick(kind: str, family: int, rng: random.Random, used: list[str]) -> Style:
    style = rng.choice(styles_of(kind, family))
    used.append(style.id)
    return style


def compose(item: Item, case: Case, family: int, layout: str, base: dict[str, SlotValue],
            rng: random.Random) -> Rationale:
    """The rationale of one item; records the styles used and hard-case tags."""
    slots = item_slots(item, case, family, base, rng)
    t = item.treatment
    used: list[str] = []
    tags: list[str] = []
    upheld = item.decision == "upheld"
    short = t.category == "associated" and item.surgery_ok is not None
    recap: list[str] = []
    passage: list[str] = []
    if rng.random() < (0.15 if short else 0.55):
        recap = _run(_pick("recap", family, rng, used), "any", slots, rng, tags)
    if rng.random() < (0.2 if short else 0.7 if upheld else 0.85):
        style = _pick("guideline", family, rng, used)
        if not any(c.source == "MTUS" for c in item.cites) and rng.random() < UNADDRESSED:
            passage = _run(style, "unaddressed", slots, rng, tags)
        passage += _run(style, "any", slots, rng, tags)
        if item.criteria and not short and rng.random() < (CAVEAT if upheld else 2 * CAVEAT):
            passage += _run(style, "caveat", slots, rng, tags)
    body: list[str] = []
    lead: list[str] = []
    closing: list[str] = []
    stated = layout != "issue_at_dispute"
    if upheld:
        reasons = list(item.reasons)
        rng.shuffle(reasons)
        for i, reason in enumerate(reasons):
            ground = item.other_ground or "surgery_denied" if reason == "other" else "fail"
            block = _run(_pick(reason, family, rng, used), ground, slots, rng, tags)
            if i:
                block = _connect(block, rng.choice(FAMILY_VOCAB[family]["also"]))
            body.extend(block)
        if len(reasons) > 1:
            tags.append("multi_reason")
        affirm = _affirmable(item)
        if affirm and rng.random() < AFFIRM:
            reason = rng.choice(affirm)
            met = _run(_pick(reason, family, rng, used), "met", slots, rng, tags)
            body = met + body if rng.random() < 0.5 else body + met
            tags.append("affirmed_other_reason")
        if "other" not in reasons and not short and rng.random() < CLOSING:
            closing = _run(_pick("closing", family, rng, used), "any", slots, rng, tags)
    else:
        for ground in _overturn_grounds(item, rng):
            body.extend(_run(_pick("overturned", family, rng, used), ground, slots, rng, tags))
    if stated and rng.random() < VERDICT_FIRST[family]:
        ground = "lead_neg" if upheld else "lead_pos"
        lead = _run(_pick("conclusion", family, rng, used), ground, slots, rng, tags)
        tags.append("verdict_first")
    conclusion: list[str] = []
    p_conclude = 1.0 if not stated else (0.6 if lead else CONCLUDE_STATED)
    if rng.random() < p_conclude:
        conclusion = _conclusion(item, family, layout, slots, rng, used, tags,
                                 recap + passage + lead + body + closing)
    else:
        tags.append("no_conclusion")
    body = body + closing
    total = _words([lead, recap, passage, body, conclusion])
    if total < 60 and not short and not passage:
        passage = _run(_pick("guideline", family, rng, used), "any", slots, rng, tags)
    if _words([lead, recap, passage, body, conclusion]) < 60 and not short and not recap:
        recap = _run(_pick("recap", family, rng, used), "any", slots, rng, tags)
    if _words([lead, recap, passage, body, conclusion]) > 250:
        recap = []
    context = passage + recap if rng.random() < PASSAGE_FIRST[family] else recap + passage
    paragraphs: list[list[tuple[str, str]]] = []
    split_recap = bool(recap) and not lead and context[0] == recap[0] and rng.random() < 0.25
    if split_recap:
        paragraphs.append([(" ".join(recap), "body")])
        context = passage
    first = lead + context + body
    para: list[tuple[str, str]] = [(" ".join(first), "body")] if first else []
    if conclusion:
        text = " ".join(conclusion)
        if para and rng.random() < 0.85:
            para.append((text, "concl"))
        else:
            if para:
                paragraphs.append(para)
            para = [(text, "concl")]
    if para:
        paragraphs.append(para)
    if upheld and stated and t.category == "opioid" and rng.random() < OPIOID_NOTE:
        paragraphs.append([(rng.choice(OPIOID_NOTES), "body")])
    tags = list(dict.fromkeys(tags + item.hard))
    return Rationale(paragraphs, list(dict.fromkeys(used)), tags)


def _affirmable(item: Item) -> list[str]:
    """Reasons whose criterion this upheld item can be said to meet (a hard case)."""
    t, out = item.treatment, []
    if "other" in item.reasons:
        return out
    if t.fi and item.prior and "no_functional_improvement" not in item.reasons:
        out.append("no_functional_improvement")
    if t.qty and item.n and "exceeds_guideline_quantity" not in item.reasons \
            and item.n <= t.qty.allowed and not item.prior:
        out.append("exceeds_guideline_quantity")
    if item.criteria and "no_indication" not in item.reasons:
        out.append("no_indication")
    return out


def _overturn_grounds(item: Item, rng: random.Random) -> list[str]:
    t = item.treatment
    if item.surgery_ok:
        grounds = ["surgery"]
    elif t.fi and item.prior and rng.random() < 0.6:
        grounds = ["fi"]
    else:
        grounds = ["indication"]
    if t.qty and item.n and item.n <= t.qty.allowed and rng.random() < 0.6:
        grounds.append("quantity")
    return grounds


def _conclusion(item: Item, family: int, layout: str, slots: dict[str, SlotValue],
                rng: random.Random, used: list[str], tags: list[str],
                before: list[str]) -> list[str]:
    """The verdict sentence; where only it states the decision, one the segmenter reads."""
    ground = "neg" if item.decision == "upheld" else "pos"
    style = _pick("conclusion", family, rng, used)
    for _ in range(30):
        local: list[str] = []
        sentences = _run(style, ground, slots, rng, local)
        if layout != "issue_at_dispute" or _reads_as(" ".join(before + sentences),
                                                     item.decision):
            tags.extend(local)
            return sentences
    raise RuntimeError(f"no readable conclusion in style {style.id}")  # pragma: no cover


def _reads_as(text: str, decision: str) -> bool:
    last = None
    for last in CONCLUSION.finditer(text):
        pass
    return last is not None and decision_from(last.group("decision")) == decision
