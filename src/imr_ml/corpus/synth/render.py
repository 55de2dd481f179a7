"""Lay out a letter in one of the four DWC layouts, as paragraphs of marked segments.

Segment kinds tell the noise step what it may touch: ``body`` (any noise), ``concl`` (a
verdict sentence: only the "notmedically" slip), ``clean`` (wrapped, never altered: item
headers, verdict words, headings, citation lines) and ``atom`` (never altered nor broken
across lines: entries the segmenter reads line by line). All wording here is the project's
own; the headings are the fixed section names of the layouts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from imr_ml.corpus.synth.case import Case
from imr_ml.corpus.synth.catalogue import Cite
from imr_ml.corpus.synth.plan import Item
from imr_ml.corpus.synth.rationale import Rationale

LAYOUT_WEIGHTS = {"issues_decisions": 0.55, "decisions_rationales": 0.17,
                  "numbered_2013": 0.15, "issue_at_dispute": 0.13}

SPECIALTIES = ("Orthopaedic Surgery", "Physical Medicine and Rehabilitation",
               "Anesthesiology, Pain Management", "Occupational Medicine",
               "Internal Medicine", "Neurology", "Family Practice", "Chiropractic",
               "Preventive Medicine, Occupational Medicine", "Neurological Surgery")
STATES = ("California", "California, Nevada", "California, Arizona", "New York, California",
          "Texas, California")


@dataclass
class Para:
    segments: list[tuple[str, str]]
    rationale: bool = False  # page furniture may fall inside it
    gap_before: bool = True  # a paragraph gap (not a plain line break) before it


@dataclass
class Draft:
    paras: list[Para] = field(default_factory=list)

    def add(self, text: str, kind: str = "clean", *, rationale: bool = False,
            gap: bool = True) -> None:
        self.paras.append(Para([(text, kind)], rationale, gap))

    def add_segments(self, segments: list[tuple[str, str]], *, rationale: bool = False,
                     gap: bool = True) -> None:
        self.paras.append(Para(segments, rationale, gap))


def _citation(c: Cite, style: str) -> str:
    """One citation as written in a guideline line of the layout."""
    detail = ""
    if style == "sections":
        if c.section:
            detail = f", Section(s): {c.section}"
        elif c.pages:
            detail = f", Page(s): {c.pages}"
        return f"{c.title}{detail}"
    parts = [c.title]
    if c.section:
        parts.append(c.section)
    if c.pages:
        parts.append(f"page{'s' if '-' in c.pages else ''} {c.pages}")
    return ", ".join(parts)


def _decision_based(cites: list[Cite], rng: random.Random) -> str:
    """ "Decision based on ..." sentences of the issues_decisions layout."""
    out = []
    if all(c.source != "MTUS" for c in cites) and rng.random() < 0.4:
        out.append(rng.choice(("The Expert Reviewer did not rely on the MTUS for this item.",
                               "The MTUS was not cited as the basis for this item.")))
    for c in cites:
        prefix = "Non-MTUS Citation " if c.source != "MTUS" else ""
        text = _citation(c, "sections")
        if c.source == "other":
            text = text.replace("Non-MTUS Citation: ", "")
        out.append(f"Decision based on {prefix}{text}.")
    return " ".join(out)


def _boilerplate(rng: random.Random) -> str:
    who = rng.choice(("He/she", "The reviewer"))
    return (
        "The complete case file was forwarded by MAXIMUS Federal Services to an independent "
        "expert reviewer, who has no affiliation with the employer, the employee, the "
        f"providers or the claims administrator. {who} holds a current license to practice "
        "in California, has practiced clinically for more than five years and still spends "
        "at least 24 hours each week in practice. The reviewer was chosen for clinical "
        "experience, training and expertise in specialties that evaluate or treat the "
        "condition and the services in dispute, and knows the governing laws and "
        "regulations, including the hierarchy of medical evidence that applies to "
        "Independent Medical Review."
    )


def _summary(case: Case, items: list[Item], rng: random.Random) -> list[str]:
    """The clinical case summary, one to three paragraphs."""
    f = case.fmt
    requests = ", ".join(i.ref for i in items[:4])
    a = rng.choice((
        (f"The injured worker is a {case.age}-year-old {case.sex} {case.occupation} who "
        f"reported an industrial injury on {f(case.doi)} after {case.mechanism}."),
        (f"This {case.age}-year-old {case.sex} was injured at work on {f(case.doi)} while "
        f"employed as a {case.occupation}."),
        (f"The applicant, a {case.age}-year-old {case.occupation}, has a claim for an injury "
        f"of {f(case.doi)}."),
    ))
    b = rng.choice((
        f"The diagnoses on record include {', '.join(case.dx)}.",
        f"Treatment has been directed at {', '.join(case.dx)}.",
        f"The working diagnoses are {', '.join(case.dx)}.",
    ))
    c = rng.choice((
        f"Care to date has included {', '.join(case.history)}.",
        f"Prior treatment consisted of {', '.join(case.history)}.",
    ))
    d = rng.choice((
        (f"At a visit on {f(case.visit)}, pain was rated {case.pain}/10 and the worker "
        f"{case.work}."),
        (f"On {f(case.visit)} the treating physician noted ongoing pain of {case.pain}/10; "
        f"the patient {case.work}."),
        (f"The progress report of {f(case.visit)} describes persistent symptoms at "
        f"{case.pain}/10."),
    ))
    e = rng.choice((
        f"A utilization review decision dated {f(case.ur)} non-certified {requests}.",
        f"Utilization review on {f(case.ur)} denied the request for {requests}.",
        (f"The requests for {requests} were not certified in utilization review on "
        f"{f(case.ur)}."),
    ))
    paras = [f"{a} {b} {c}", f"{d} {e}"]
    if rng.random() < 0.5:
        return [" ".join(paras)]
    return paras


def _header_block(case: Case, letter: Draft, rng: random.Random, *, full: bool) -> None:
    d = case.fmt
    letter.add(f"Case Number: {case.case_number}")
    if full:
        letter.add(f"Date Assigned: {d(case.assigned, 1)} Date of Injury: {d(case.doi, 1)}",
                   gap=False)
        letter.add(f"Decision Date: {d(case.decided, 1)} UR Denial Date: {d(case.ur, 1)}",
                   gap=False)
        letter.add(f"Priority: Standard Application Received: {d(case.received, 1)}",
                   gap=False)


def _rationale_paras(letter: Draft, r: Rationale, label: str | None,
                     numbered: str | None = None) -> None:
    """The rationale paragraphs, the first behind its label or item number."""
    for k, para in enumerate(r.segments):
        segments = list(para)
        if k == 0 and label:
            segments = [(label, "clean"), *segments]
        if k == 0 and numbered:
            segments = [(numbered, "atom"), *segments]
        letter.add_segments(segments, rationale=True)


def _verdict(item: Item, rng: random.Random) -> str:
    word = "Upheld" if item.decision == "upheld" else "Overturned"
    return rng.choice((" ", "  ")) + word


def _header_segments(item: Item, rng: random.Random) -> list[tuple[str, str]]:
    """An item header "<item>: Upheld", with the partial-authorisation sentences kept whole
    (the segmenter recognises them only with their words on one line)."""
    text = item.item_text
    segs: list[tuple[str, str]] = []
    for marker in ("original request.", "Claims Administrator."):
        head, sep, tail = text.partition(marker)
        if sep:
            if head:
                segs.append((head.rstrip(), "clean"))
            segs.append((marker, "atom"))
            text = tail.lstrip()
    segs.append((text + ":" + _verdict(item, rng), "clean"))
    return segs


def issues_decisions(case: Case, items: list[Item], rats: list[Rationale],
                     rng: random.Random) -> Draft:
    letter = Draft()
    if rng.random() < 0.8:
        _header_block(case, letter, rng, full=True)
    letter.add("HOW THE IMR FINAL DETERMINATION WAS MADE")
    letter.add(_boilerplate(rng), "body")
    if rng.random() < 0.7:
        letter.add("Credentials of the Expert Reviewer:")
        letter.add(f"State(s) of Licensure: {rng.choice(STATES)}", gap=False)
        letter.add(f"Certification(s)/Specialty: {rng.choice(SPECIALTIES)}", gap=False)
    letter.add("CLINICAL CASE SUMMARY")
    letter.add(rng.choice((
        ("The following clinical case summary was prepared by the expert reviewer from the "
        "case file, including the medical records:"),
        ("The expert reviewer wrote this clinical case summary after reviewing the case "
        "file and all medical records:"))), "clean")
    for p in _summary(case, items, rng):
        letter.add(p, "body")
    letter.add("IMR ISSUES, DECISIONS AND RATIONALES")
    for item, r in zip(items, rats):
        letter.add_segments(_header_segments(item, rng))
        letter.add("Claims Administrator guideline: " + _decision_based(item.ca_cites, rng))
        letter.add("MAXIMUS guideline: " + _decision_based(item.cites, rng))
        _rationale_paras(letter, r, "Decision rationale:")
    return letter


def decisions_rationales(case: Case, items: list[Item], rats: list[Rationale],
                         rng: random.Random) -> Draft:
    letter = Draft()
    d = case.fmt
    letter.add(f"Case Number: {case.case_number} Date Assigned: {d(case.assigned, 1)}")
    letter.add(f"Date of Injury: {d(case.doi, 1)} Decision Date: {d(case.decided, 1)}",
               gap=False)
    letter.add(f"UR Denial Date: {d(case.ur, 1)} Priority: Standard", gap=False)
    letter.add(f"Application Received: {d(case.received, 1)}", gap=False)
    letter.add("HOW THE IMR FINAL DETERMINATION WAS MADE")
    letter.add(_boilerplate(rng), "body")
    letter.add("DOCUMENTS REVIEWED")
    letter.add(rng.choice((
        ("The Application for Independent Medical Review, the utilization review "
        "determinations, and medical records from the treating providers."),
        ("The IMR application, utilization review letters, and progress reports from the "
        "treating physicians."))), "body")
    letter.add("CLINICAL CASE SUMMARY")
    for p in _summary(case, items, rng):
        letter.add(p, "body")
    letter.add(rng.choice(("IMR DECISION(S) AND RATIONALE(S)", ("IMR DECISIONS AND "
                                                                "RATIONALES"))))
    for item, r in zip(items, rats):
        letter.add_segments(_header_segments(item, rng))
        for c in item.cites:
            label = "MTUS Citation:" if c.source == "MTUS" else "Non-MTUS Citation:"
            text = _citation(c, "pages").replace("Non-MTUS Citation: ", "")
            letter.add(f"{label} {text}.", gap=False)
        _rationale_paras(letter, r, "Decision rationale:")
    return letter


def numbered_2013(case: Case, items: list[Item], rats: list[Rationale],
                  rng: random.Random) -> Draft:
    letter = Draft()
    d = case.fmt
    letter.add("MAXIMUS FEDERAL SERVICES, INC.")
    letter.add("Notice of Independent Medical Review Determination", gap=False)
    letter.add(f"Dated: {d(case.decided, 1)}", gap=False)
    letter.add(f"IMR Case Number: {case.case_number}")
    letter.add(f"Date of UR Decision: {d(case.ur, 1)}", gap=False)
    letter.add(f"Date of Injury: {d(case.doi, 1)}", gap=False)
    overturned = sum(i.decision == "overturned" for i in items)
    if overturned == 0:
        final = ("UPHOLD. This means we decided that none of the disputed items/services "
                 "are medically necessary and appropriate.")
    elif overturned == len(items):
        final = ("OVERTURN. This means we decided that all of the disputed items/services "
                 "are medically necessary and appropriate.")
    else:
        final = ("OVERTURN IN PART. This means we decided that some of the disputed "
                 "items/services are medically necessary and appropriate.")
    letter.add(f"Final Determination: {final} The reasons for each decision are explained "
               "later in this letter.")
    letter.add("INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE")
    letter.add(f"An application for Independent Medical Review was received on "
               f"{d(case.received, 1)}, disputing the Utilization Review Denial dated "
               f"{d(case.ur, 1)}. A decision has been made on each treatment or service in "
               "dispute:", "clean")
    for k, item in enumerate(items, start=1):
        verdict = "is not" if item.decision == "upheld" else "is"
        letter.add_segments([
            (f"{k}) MAXIMUS Federal Services, Inc. has determined the request for", "clean"),
            (f"{item.item_text} {verdict}", "atom"),
            ("medically necessary and appropriate.", "clean")], gap=False)
    letter.add("Medical Qualifications of the Expert Reviewer:")
    letter.add(f"The physician reviewer is Board Certified in {rng.choice(SPECIALTIES)} and "
               "is licensed to practice in California.", gap=False)
    letter.add("Case Summary:")
    for p in _summary(case, items, rng):
        letter.add(p, "body", gap=False)
    letter.add("Documents Reviewed for Determination:")
    letter.add("The Application of Independent Medical Review, the Utilization Review "
               "Determination and medical records from the providers.", "body", gap=False)
    for k, (item, r) in enumerate(zip(items, rats), start=1):
        letter.add(f"{k}) Regarding the request for {item.item_text}:")
        letter.add("Medical Treatment Guideline(s) Relied Upon by the Claims Administrator:",
                   gap=False)
        ca = " Also cited: the ".join(_citation(c, "pages") + "." for c in item.ca_cites)
        letter.add(f"The Claims Administrator based its decision on the {ca}", gap=False)
        letter.add("Medical Treatment Guideline(s) Relied Upon by the Expert Reviewer:",
                   gap=False)
        mx = " The Expert Reviewer also based his/her decision on the ".join(
            _citation(c, "pages") + "." for c in item.cites)
        letter.add(f"The Expert Reviewer based his/her decision on the {mx}", gap=False)
        letter.add("Rationale for the Decision:", gap=False)
        _rationale_paras(letter, r, None)
    letter.add("/" + rng.choice(("js", "db", "mh", "kl", "rt")))
    letter.add("cc: Department of Industrial Relations, Division of Workers' Compensation",
               gap=False)
    return letter


def issue_at_dispute(case: Case, items: list[Item], rats: list[Rationale],
                     rng: random.Random) -> Draft:
    letter = Draft()
    d = case.fmt
    letter.add("INDEPENDENT MEDICAL REVIEW FINAL DETERMINATION")
    letter.add(f"Case Number: {case.case_number}")
    letter.add(f"Date of Injury: {d(case.doi, 1)} Decision Date: {d(case.decided, 1)}",
               gap=False)
    letter.add("ISSUE AT DISPUTE:")
    numbered = len(items) > 1 or rng.random() < 0.5
    for k, item in enumerate(items, start=1):
        prefix = f"{k}. " if numbered else ""
        letter.add(prefix + item.item_text, "atom", gap=False)
    letter.add("CASE SUMMARY:")
    for p in _summary(case, items, rng):
        letter.add(p, "body", gap=False)
    letter.add("DOCUMENTS REVIEWED FOR DETERMINATION:")
    letter.add("Utilization review determinations, progress reports and the request for "
               "authorization.", "body", gap=False)
    letter.add("MEDICAL TREATMENT GUIDELINE(S) RELIED UPON TO REACH THIS DETERMINATION:")
    cites = list(dict.fromkeys(_citation(c, "pages") for i in items for c in i.cites))
    for k, c in enumerate(cites, start=1):
        letter.add(f"{k}. {c}.", gap=False)
    letter.add("RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT MEDICALLY "
               "NECESSARY:")
    for k, r in enumerate(rats, start=1):
        _rationale_paras(letter, r, None, numbered=f"{k}." if numbered else None)
    letter.add("MEDICAL REVIEWER QUALIFICATIONS:")
    letter.add(f"The reviewer is Board Certified in {rng.choice(SPECIALTIES)} and is licensed "
               "in California.", gap=False)
    return letter


RENDERERS = {"issues_decisions": issues_decisions, "decisions_rationales": decisions_rationales,
             "numbered_2013": numbered_2013, "issue_at_dispute": issue_at_dispute}
