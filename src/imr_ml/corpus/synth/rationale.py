"""Write an item's decision rationale from its labels, in the phrasing of one style family."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from imr_ml.corpus.synth.case import Case
from imr_ml.corpus.synth.catalogue import Treatment
from imr_ml.corpus.synth.fill import SlotValue, fill
from imr_ml.corpus.synth.phrasing import FAMILY_VOCAB, Style, role_of, styles_of
from imr_ml.corpus.synth.plan import WORDS, Item, lower_first
from imr_ml.corpus.synth.reword import register, reworded
from imr_ml.segment.layouts import CONCLUSION, decision_from

# How a rationale names a guideline, by the words of the cited title (first match wins).
SOURCE_NAMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Chronic Pain Medical Treatment 2016", (
        *("the California MTUS 2016 Chronic Pain Guidelines",) * 5,
        "California MTUS 2016 Chronic Pain Guidelines", "CA MTUS Chronic Pain Guidelines",
        "the California MTUS 2016 Chronic Pain Treatment Guidelines", "the MTUS 2016 Chronic Pain Guidelines",
        "the California MTUS 2016 Chronic Pain Treatment Guidelines",
        "the California MTUS Chronic Pain Guidelines", "the MTUS guidelines",
        ("the California Medical Treatment Utilization Schedule (MTUS) 2016 Chronic Pain "
         "Guidelines"))),
    ("Chronic Pain", ("the California MTUS Chronic Pain Medical Treatment Guidelines",
                      "the MTUS Chronic Pain Guidelines", "the CA MTUS Guidelines")),
    ("Acupuncture", ("the California MTUS Acupuncture Guidelines",
                     "the MTUS Acupuncture Medical Treatment Guidelines")),
    ("Postsurgical", ("the CA MTUS Postsurgical Treatment Guidelines",
                      "the MTUS Postsurgical Guidelines")),
    ("MTUS", ("the MTUS ACOEM Guidelines", "the ACOEM Guidelines", "the ACOEM Guidelines",
              "ACOEM Guidelines", "CA MTUS/ACOEM Guidelines", "the ACOEM Guidelines",
              "the California MTUS/ACOEM Guidelines", "the CA MTUS/ACOEM Guidelines",
              "the California MTUS and ACOEM Guidelines")),
    ("ODG", ("the Official Disability Guidelines", "the Official Disability Guidelines",
             "the Official Disability Guidelines", "the ODG")),
    ("Official Disability", ("the Official Disability Guidelines",
                             "the Official Disability Guidelines", "the ODG")),
    ("ACOEM", ("the ACOEM Guidelines", "the ACOEM Practice Guidelines")),
    ("", ("the cited references", "the referenced guidelines")),
)
# The MTUS's opioid chapter, as reviewers name it beside the chronic pain guidelines.
OPIOID_SOURCES = ("the California MTUS Opioid Treatment Guidelines",
                  "the MTUS Opioid Treatment Guidelines", "the CA MTUS Opioid Guidelines")
LATER_SHORT = 0.3  # a later mention of the cited guideline by a short name
SHORT_SOURCES = ("the guidelines", "the guidelines", "the same guidelines", "these guidelines",
                 "the referenced guidelines")
GENERIC_GAIN = ("a 40 percent reduction in pain and a return to modified duty",
                "better sitting and walking tolerance with less medication use")
GENERIC_NEED = "a clear clinical indication"
GENERIC_NEED2 = ("a clear treatment plan", "a clear rationale for the request")
# What guideline passages pair a treatment with, and when they have it reviewed.
ADJUNCT = (("[an independent|a structured|a supervised] [home exercise|exercise|activity] "
            "program"), "active self-directed exercise", "a graded return to activity",
           "[an exercise routine|daily stretching and strengthening]",
           "education and/or [self-management|self-care]", ("[active therapy|active treatment] "
           "[and|with] a self-directed program"))
REVIEW = ("[at regular intervals|periodically|at each visit]", ("after a [defined|short|brief] "
          "trial"), "[within|after] [two|four|six] weeks")
# What a claimant is taking, for history sentences (not the item under review).
MEDS = ("naproxen and omeprazole", "tramadol and a topical cream", "ibuprofen as needed",
        "hydrocodone, cyclobenzaprine and gabapentin", "over-the-counter analgesics",
        "meloxicam", "gabapentin and a muscle relaxant", "Norco and naproxen",
        "acetaminophen and a lidocaine patch")
MEDICATION_CATEGORIES = ("opioid", "nsaid", "muscle_relaxant", "anticonvulsant", "ppi",
                         "hypnotic", "topical")
# Further ways to name earlier use of a medication, beside the catalogue's own.
MED_FI = ("the [ongoing|long-term|prior] use of {t}", "{t} to date")
# How a reviewer names the kind of thing requested ("the requested medication").
KIND_NOUNS = {"imaging": ("imaging", "study"), "electrodiagnostic": ("testing", "studies"),
              "physical_medicine": ("therapy", "treatment"), "surgery": ("surgery", "intervention"),
              "injection": ("injection",), "dme": ("equipment", "device"),
              **dict.fromkeys(MEDICATION_CATEGORIES, ("medication",))}
SESSION_UNITS = ("sessions", "visits")
CONCLUDE_STATED = 0.96  # where the letter states the decision elsewhere
VERDICT_FIRST = (0.05, 0.3, 0.25)  # per family: how often a rationale opens with its verdict
PASSAGE_FIRST = (0.9, 0.6, 0.2)  # per family: the guideline passage before the history
AFFIRM = 0.3
UNADDRESSED = 0.4  # no MTUS citation: say that the MTUS does not address the request
# The guideline passage restates each criterion the treatment has with these chances,
# whatever the item's reasons: reviewers restate the guideline's position as a whole.
RESTATE = {"any": 0.9, "indication": 0.65, "quantity": 0.55, "fi": 0.35, "caveat": 0.3,
           "extra": 0.35}
# The guideline passage adds one or two of the treatment's further statements (`Treatment.notes`),
# and then less often a generic "extra" sentence.
NOTES, NOTES_TWO, EXTRA_NOTED = 0.7, 0.4, 0.4
HISTORY = {"any": 0.5, "course": 0.25, "prior": 0.7, "request": 0.35}
# How much a reviewer writes: (scale of the history and restatement chances above, weight).
# Real rationales range from one-line denials to long case reviews.
VERBOSITY = ((0.45, 0.3), (1.0, 0.45), (1.7, 0.25))
DETAIL = 0.75  # the most verbose: clinical detail after the first history sentence
BURY = 0.45  # a second reason's finding told briefly among the history sentences
BURY_SOLE = 0.1  # ... or an only reason's
CLOSING = 0.15  # upheld: "no exceptional factors ..." after the grounds
OPIOID_NOTE = 0.5  # upheld opioids: the note on tapering after the verdict
MAX_WORDS = 300
JOIN = 0.4  # two short sentences of one role written as one ("X, and y.")
JOIN_WORDS = 17  # ... each at most this many words
# The note IMR letters add to upheld opioid items (written for this project), one sentence a
# string. It must not read as a verdict: `_reads_as` and the segmenter look for the last
# "is (not) <verdict>".
OPIOID_NOTES = (
    (("This determination concerns only the opioid as it has been prescribed to this "
      "patient; it is not advice to stop the medication abruptly."),
     ("The patient should discuss with the treating physician how any taper is to be "
      "carried out, using the MTUS guidance on weaning opioids and other relevant guidance.")),
    (("The determination addresses the opioid as currently prescribed and should not be "
      "read as a recommendation for abrupt discontinuation."),
     ("Any weaning should be planned with the treating physician following the MTUS section "
      "on tapering opioids.")),
)

Sentence = tuple[str, str]  # (text, role)


@dataclass
class Rationale:
    """Paragraphs of sentences, each with its role and its kind for the noise step (body, or
    concl for a verdict sentence the noise may only slip "notmedically" into)."""

    paragraphs: list[list[tuple[str, str, str]]]  # (sentence, role, kind)
    styles: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def segments(self) -> list[list[tuple[str, str]]]:
        """Each paragraph as (text, kind) segments, sentences of one kind run together."""
        out = []
        for para in self.paragraphs:
            segs: list[tuple[str, str]] = []
            for sentence, _, kind in para:
                if segs and segs[-1][1] == kind:
                    segs[-1] = (f"{segs[-1][0]} {sentence}", kind)
                else:
                    segs.append((sentence, kind))
            out.append(segs)
        return out

    @property
    def text(self) -> str:
        return " ".join(s for p in self.paragraphs for s, _, _ in p)

    @property
    def roles(self) -> list[tuple[int, int, str]]:
        """(start, end, role) of each sentence, as character offsets into `text`."""
        out, start = [], 0
        for sentence, role, _ in (x for p in self.paragraphs for x in p):
            out.append((start, start + len(sentence), role))
            start += len(sentence) + 1
        return out


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


def _shown(item: Item) -> tuple[str, ...]:
    """An excess shown by the numbers rather than named ("12 visits, more than the 10
    supported"): the quantity finding of reviewers who let the figures speak."""
    q, n = item.treatment.qty, item.n
    if q is None or n is None or "exceeds_guideline_quantity" not in item.reasons:
        return ("the amount requested is more than the guideline position supports",)
    limit = q.allowed_text[0]
    if q.unit in SESSION_UNITS:
        if item.prior:
            return ((f"{item.prior} {q.unit} have already been completed, and {n} more would "
                    f"make {item.prior + n}, [while|when] {limit} is supported"),
                    (f"with the {item.prior} {q.unit} already [done|attended], the {n} requested "
                    f"would [bring|take] the total to {item.prior + n}, [well past|past|beyond] "
                    f"{limit}"))
        twice = "[at least twice|double] the" if n >= 2 * q.allowed else "more than the"
        return (f"{n} {q.unit} is {twice} {q.allowed} supported ({limit})",
                f"the {n} {q.unit} requested go past {limit}")
    if q.per_day:
        days = n // q.per_day
        return ((f"{n} tablets at the prescribed dose is about {days} days of use, [while|"
                f"when] the guideline position is {limit}"),
                (f"{n} tablets [amounts to|means] roughly {days} days of use, [far|well] longer "
                f"than {limit} [would allow|allows]"))
    return ((f"{n} {q.unit} is [requested|sought], [while|when] the guideline position "
            f"is {limit}"), f"{n} {q.unit} is [more than|longer than|past] {limit}")


def _sources(names: tuple[str, ...]) -> SlotValue:
    """The {src} slot: a cited guideline by name the first time; later, as reviewers do, often
    only "the guidelines"."""
    used = []

    def name(rng: random.Random) -> str:
        if used and rng.random() < LATER_SHORT:
            return rng.choice(SHORT_SOURCES)
        used.append(1)
        return rng.choice(names)
    return name


def source_names(title: str) -> tuple[str, ...]:
    """How a rationale names a cited guideline, from its title."""
    return next(names for words, names in SOURCE_NAMES if words in title)


def _prior_use(item: Item, bare: tuple[str, ...], since: str) -> tuple[str, ...]:
    """Verb phrases for the history sentence on earlier use of the same treatment."""
    t, q = item.treatment, item.treatment.qty
    name = bare[0]
    if q is not None and q.unit in SESSION_UNITS:
        if item.prior:
            return (f"has completed {item.prior} {q.unit} of {name}",
                    f"has been approved for {item.prior} prior {q.unit} of {name}",
                    f"has attended at least {item.prior} {q.unit} of {name}",
                    f"has had {item.prior} prior {q.unit} of {name}")
        return (f"has had {name} in the past", f"has previously undergone {name}")
    if t.category in MEDICATION_CATEGORIES:
        return ((f"has been [taking|using|on] {name}[ since at least {since}| for several "
                 f"months| long term| for an extended period| chronically]"),
                f"had been using {name} on an ongoing basis", f"was prescribed {name}",
                f"was continuing to use {name}")
    return (f"has had prior treatment with {name}", f"has undergone {name} before")


def _course_done(item: Item, bare: tuple[str, ...]) -> tuple[str, ...]:
    t, q = item.treatment, item.treatment.qty
    if q is not None and q.unit in SESSION_UNITS:
        return (f"the number of {q.unit} completed so far",
                f"how many {q.unit} had been completed")
    if t.category in MEDICATION_CATEGORIES:
        return (f"how long {bare[0]} had been taken", f"the duration of use of {bare[0]}")
    return (f"the outcome of the earlier {bare[0]}", f"when the earlier {bare[0]} was given")


def item_slots(item: Item, case: Case, family: int, base: dict[str, SlotValue],
               rng: random.Random) -> dict[str, SlotValue]:
    """Slot values for every template of this item."""
    t = item.treatment
    vocab = FAMILY_VOCAB[family]
    slots: dict[str, SlotValue] = dict(base)
    src: list[str] = []
    for c in item.cites:
        src.extend(source_names(c.title))
    if t.category == "opioid" and any("Opioid" in c.section for c in item.cites):
        src.extend(OPIOID_SOURCES)
    crit = item.criteria
    need2 = (crit[1].need, crit[1].missing) if len(crit) > 1 else GENERIC_NEED2
    bare = _bare(t)
    fi_sub = {"t": bare, "prior": str(item.prior or 6), "since": base["since"]}
    fi_forms = t.fi + (MED_FI if t.category in MEDICATION_CATEGORIES and t.fi else ())
    fi = tuple(lower_first(fill(p, fi_sub, rng)) for p in fi_forms) or (
        "the earlier treatment",)
    q = t.qty
    slots.update(
        t=bare, records=vocab["records"], prov=vocab["prov"],
        records_noun=("progress notes", "reports", "clinic notes"),
        src=_sources(tuple(src)), supports=reworded(t.supports),
        need=reworded(crit[0].need if crit else GENERIC_NEED),
        missing=reworded(crit[0].missing if crit else GENERIC_NEED),
        found=reworded((crit[0].found, *crit[0].found_more) if crit else GENERIC_NEED),
        need2=reworded(need2[0]), missing2=reworded(need2[1]),
        fi_prior=fi, gain=t.gain or GENERIC_GAIN,
        allowed=q.allowed_text if q else ("the recommended amount",),
        requested=_requested(item), excess_clause=_excess(item), shown=_shown(item),
        nr_subject=t.not_rec[0] if t.not_rec else "this treatment",
        nr_why=t.not_rec[1] if t.not_rec else "the evidence does not support it",
        dos=case.fmt(case.visit), item_ref=(item.ref, item.ref, item.ref, bare[0]),
        nomod=("", "", "", ", and the request cannot be partially certified"),
        pain_since=("", "", " since {since}"), meds=MEDS,
        prior_use=_prior_use(item, bare, str(base["since"])),
        course_done=_course_done(item, bare), adjunct=ADJUNCT, review=REVIEW,
        kind=KIND_NOUNS.get(t.category, ("service", "request")),
    )
    if item.partial:
        slots["item_ref"] = (item.ref,)
    return slots


def _run(style: Style, ground: str, slots: dict[str, SlotValue], rng: random.Random,
         tags: list[str]) -> list[Sentence]:
    """The sentences one ground of a style writes, with their roles."""
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
        role = role_of(style.kind, step)
        if role != "conclusion":
            sentence = register(sentence, rng)
        out.append((sentence, role))
    return out


def _connect(sentences: list[Sentence], connector: str) -> list[Sentence]:
    if not sentences:
        return sentences
    (first, role), rest = sentences[0], sentences[1:]
    if connector.endswith("."):
        return [(connector, role), *sentences]
    return [(f"{connector} {lower_first(first)}", role), *rest]


def join_short(sentences: list[Sentence], rng: random.Random) -> list[Sentence]:
    """Run some pairs of short neighbouring sentences of one role together, as reviewers
    write fewer, longer sentences; a sentence opening with a connector stays alone."""
    out: list[Sentence] = []
    for text, role in sentences:
        if out and out[-1][1] == role and role != "conclusion" and rng.random() < JOIN:
            prev = out[-1][0]
            opener = text.split(" ", 1)[0]
            if prev.endswith(".") and not opener.endswith(",") and max(
                    len(prev.split()), len(text.split())) <= JOIN_WORDS:
                out[-1] = (f"{prev[:-1]}, and {lower_first(text)}", role)
                continue
        out.append((text, role))
    return out


def _words(parts: list[list[Sentence]]) -> int:
    return sum(len(s.split()) for p in parts for s, _ in p)


def _pick(kind: str, family: int, rng: random.Random, used: list[str]) -> Style:
    style = rng.choice(styles_of(kind, family))
    used.append(style.id)
    return style


class _Writer:
    """Draws the styles of one rationale and records which it used and the hard cases."""

    def __init__(self, family: int, slots: dict[str, SlotValue], rng: random.Random) -> None:
        self.family, self.slots, self.rng = family, slots, rng
        self.used: list[str] = []
        self.tags: list[str] = []

    def style(self, kind: str) -> Style:
        return _pick(kind, self.family, self.rng, self.used)

    def run(self, kind: str | Style, ground: str) -> list[Sentence]:
        style = self.style(kind) if isinstance(kind, str) else kind
        return _run(style, ground, self.slots, self.rng, self.tags)


def _history(item: Item, w: _Writer, short: bool, scale: float = 1.0) -> list[Sentence]:
    """The request and the patient's course (history sentences)."""
    t, rng = item.treatment, w.rng
    if short:
        return w.run("recap", "any") if rng.random() < 0.1 else []
    style = w.style("recap")
    out: list[Sentence] = []
    for ground in ("any", "course", "prior", "request"):
        if ground == "prior" and not t.fi:
            continue
        if rng.random() < HISTORY[ground] * scale:
            out += _run(style, ground, w.slots, rng, w.tags)
    if scale > 1 and rng.random() < DETAIL:
        at = 1 if out else 0
        out[at:at] = _run(style, "detail", w.slots, rng, w.tags)
    return out


def _passage(item: Item, w: _Writer, short: bool, verbosity: float = 1.0) -> list[Sentence]:
    """The guideline passage: the general position and, whatever the item's reasons, the
    criteria of the treatment it restates (indication, quantity, functional improvement)."""
    t, rng = item.treatment, w.rng
    style = w.style("guideline")
    out: list[Sentence] = []
    if not any(c.source == "MTUS" for c in item.cites) and rng.random() < UNADDRESSED:
        out += _run(style, "unaddressed", w.slots, rng, w.tags)
    scale = (0.6 if short else 1.0) * verbosity
    if rng.random() < RESTATE["any"] * scale:
        out += _run(style, "any", w.slots, rng, w.tags)
    noted = bool(t.notes) and rng.random() < NOTES * scale
    if noted:
        k = 2 if len(t.notes) > 1 and rng.random() < NOTES_TWO * verbosity else 1
        out += [(fill(n, w.slots, rng, w.tags), "guideline") for n in rng.sample(t.notes, k)]
    grounds = [g for g, ok in (("indication", bool(item.criteria) and not short),
                               ("quantity", t.qty is not None),
                               ("fi", bool(t.fi) and not short)) if ok]
    rng.shuffle(grounds)
    for ground in grounds:
        if rng.random() < RESTATE[ground] * scale:
            out += _run(style, ground, w.slots, rng, w.tags)
    if item.criteria and not short and rng.random() < RESTATE["caveat"]:
        out += _run(style, "caveat", w.slots, rng, w.tags)
    if not short and rng.random() < RESTATE["extra"] * (EXTRA_NOTED if noted else 1):
        out += _run(style, "extra", w.slots, rng, w.tags)
    return out


def _trim(parts: list[list[Sentence]], cuttable: list[list[Sentence]]) -> None:
    """Drop the last history or guideline sentences (never a finding) until the rationale
    is at most MAX_WORDS words."""
    while _words(parts) > MAX_WORDS:
        longest = max(cuttable, key=len)
        at = next((k for k in range(len(longest) - 1, -1, -1)
                   if longest[k][1] != "finding"), None)
        if at is None:
            return
        del longest[at]


def _bury(history: list[Sentence], finding: list[Sentence], rng: random.Random
          ) -> list[Sentence]:
    """A finding told among the history sentences (after the first where there is one)."""
    at = rng.randint(1, len(history)) if history else 0
    return history[:at] + finding + history[at:]


def _upheld_findings(item: Item, w: _Writer, history: list[Sentence], short: bool
                     ) -> tuple[list[Sentence], list[Sentence]]:
    """The findings of each reason (one may be buried in the history), the hard case of a
    criterion found met, and the closing; returns (findings, history)."""
    rng = w.rng
    reasons = list(item.reasons)
    rng.shuffle(reasons)
    body: list[Sentence] = []
    for i, reason in enumerate(reasons):
        style = w.style(reason)
        if "brief" in style.grounds and history and rng.random() < (
                BURY if i else BURY_SOLE if len(reasons) == 1 else 0):
            history = _bury(history, w.run(style, "brief"), rng)
            w.tags.append("buried_finding")
            continue
        ground = item.other_ground or "surgery_denied" if reason == "other" else "fail"
        block = w.run(style, ground)
        if body:
            block = _connect(block, rng.choice(FAMILY_VOCAB[w.family]["also"]))
        body.extend(block)
    if len(reasons) > 1:
        w.tags.append("multi_reason")
    affirm = _affirmable(item)
    if affirm and rng.random() < AFFIRM:
        met = w.run(rng.choice(affirm), "met")
        body = met + body if rng.random() < 0.5 else body + met
        w.tags.append("affirmed_other_reason")
    if "other" not in reasons and not short and rng.random() < CLOSING:
        body += w.run("closing", "any")
    return body, history


def compose(item: Item, case: Case, family: int, layout: str, base: dict[str, SlotValue],
            rng: random.Random) -> Rationale:
    """The rationale of one item; records the styles used, hard-case tags and roles."""
    w = _Writer(family, item_slots(item, case, family, base, rng), rng)
    upheld = item.decision == "upheld"
    short = item.treatment.category == "associated" and item.surgery_ok is not None
    verbosity = rng.choices([v for v, _ in VERBOSITY], [p for _, p in VERBOSITY])[0]
    history = _history(item, w, short, verbosity)
    passage = _passage(item, w, short, verbosity)
    if upheld:
        body, history = _upheld_findings(item, w, history, short)
    else:
        body = [s for g in _overturn_grounds(item, rng) for s in w.run("overturned", g)]
    stated = layout != "issue_at_dispute"
    lead: list[Sentence] = []
    if stated and rng.random() < VERDICT_FIRST[family]:
        lead = w.run("conclusion", "lead_neg" if upheld else "lead_pos")
        w.tags.append("verdict_first")
    history, passage, body = (join_short(x, rng) for x in (history, passage, body))
    _trim([lead, history, passage, body], [history, passage])
    context = passage + history if rng.random() < PASSAGE_FIRST[family] else history + passage
    conclusion: list[Sentence] = []
    p_conclude = 1.0 if not stated else (0.6 if lead else CONCLUDE_STATED)
    if rng.random() < p_conclude:
        conclusion = _conclusion(item, w, layout, lead + context + body)
    else:
        w.tags.append("no_conclusion")
    return Rationale(_paragraphs(item, lead, history, context, body, conclusion, stated, rng),
                     list(dict.fromkeys(w.used)), list(dict.fromkeys(w.tags + item.hard)))


def _paragraphs(item: Item, lead: list[Sentence], history: list[Sentence],
                context: list[Sentence], body: list[Sentence], conclusion: list[Sentence],
                stated: bool, rng: random.Random) -> list[list[tuple[str, str, str]]]:
    """Lay the sentences out in paragraphs, marking the verdict sentences `concl`."""
    paragraphs: list[list[tuple[str, str, str]]] = []
    first = lead + context + body
    if history and not lead and context and context[0] == history[0] and rng.random() < 0.25:
        paragraphs.append([(s, r, "body") for s, r in history])
        first = context[len(history):] + body
    para = [(s, r, "body") for s, r in first]
    if conclusion:
        concl = [(s, r, "concl") for s, r in conclusion]
        if para and rng.random() < 0.85:
            para += concl
        else:
            if para:
                paragraphs.append(para)
            para = concl
    if para:
        paragraphs.append(para)
    if item.decision == "upheld" and stated and item.treatment.category == "opioid" \
            and rng.random() < OPIOID_NOTE:
        paragraphs.append([(s, "conclusion", "body") for s in rng.choice(OPIOID_NOTES)])
    return paragraphs


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


def _conclusion(item: Item, w: _Writer, layout: str, before: list[Sentence]
                ) -> list[Sentence]:
    """The verdict sentence; where only it states the decision, one the segmenter reads."""
    ground = "neg" if item.decision == "upheld" else "pos"
    style = w.style("conclusion")
    text = " ".join(s for s, _ in before)
    for _ in range(30):
        local: list[str] = []
        sentences = _run(style, ground, w.slots, w.rng, local)
        if layout != "issue_at_dispute" or _reads_as(
                " ".join([text, *(s for s, _ in sentences)]), item.decision):
            w.tags.extend(local)
            return sentences
    raise RuntimeError(f"no readable conclusion in style {style.id}")  # pragma: no cover


def _reads_as(text: str, decision: str) -> bool:
    last = None
    for last in CONCLUSION.finditer(text):
        pass
    return last is not None and decision_from(last.group("decision")) == decision
