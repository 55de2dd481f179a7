"""A synthetic claimant: injury, history, dates and the words used to describe them.

All names of people are absent (letters are redacted); case numbers use a range that the
real letters do not use (0500000 and up), so no synthetic number names a real case.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from imr_ml.corpus.synth.body import REGIONS

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

OCCUPATIONS = ("warehouse worker", "truck driver", "nurse", "correctional officer",
               "cashier", "custodian", "firefighter", "office clerk", "machine operator",
               "home health aide", "delivery driver", "carpenter", "bus driver",
               "farm laborer", "police officer", "teacher", "cook", "mechanic",
               "housekeeper", "electrician", "stocker", "sales associate")

MECHANISMS: dict[str, tuple[str, ...]] = {  # gerund phrases: "while/when/after <it>"
    "lumbar": ("lifting a heavy box", "pulling a pallet jack", "slipping on a wet floor",
               "unloading a truck"),
    "cervical": ("driving a company vehicle that was rear-ended", "falling from a ladder",
                 "being struck by a falling object"),
    "thoracic": ("falling down several stairs", "lifting a patient"),
    "shoulder": ("reaching overhead to stock shelves", "lifting a patient",
                 "falling onto an outstretched arm"),
    "knee": ("stepping off a loading dock", "kneeling repeatedly on concrete",
             "twisting the knee on stairs"),
    "wrist": ("keyboarding for long shifts", "falling onto the hand",
              "gripping tools repeatedly"),
    "elbow": ("using hand tools repeatedly", "carrying heavy trays"),
    "ankle": ("stepping into a pothole", "falling from a step stool"),
    "hip": ("slipping on ice", "falling from a ladder"),
}

DIAGNOSES: dict[str, tuple[str, ...]] = {
    "lumbar": ("lumbar strain", "lumbar radiculopathy", "lumbar degenerative disc disease",
               "L4-L5 disc protrusion", "chronic low back pain", "lumbar spondylosis"),
    "cervical": ("cervical strain", "cervical radiculopathy", "cervical disc disease",
                 "cervicalgia"),
    "thoracic": ("thoracic strain", "thoracic myofascial pain"),
    "shoulder": ("rotator cuff tendinitis", "shoulder impingement syndrome",
                 "partial-thickness rotator cuff tear", "adhesive capsulitis"),
    "knee": ("medial meniscus tear", "knee sprain", "patellofemoral pain syndrome",
             "knee osteoarthritis", "chondromalacia patellae"),
    "wrist": ("carpal tunnel syndrome", "wrist sprain", "de Quervain tenosynovitis",
              "trigger finger"),
    "elbow": ("lateral epicondylitis", "cubital tunnel syndrome"),
    "ankle": ("ankle sprain", "plantar fasciitis", "Achilles tendinitis"),
    "hip": ("hip strain", "trochanteric bursitis", "hip osteoarthritis"),
}

EXAMS: dict[str, tuple[str, ...]] = {
    "lumbar": ("tenderness over the lumbar paraspinals with limited flexion",
               "guarded lumbar motion with intact strength and reflexes",
               "a negative straight leg raise and normal sensation in both legs"),
    "cervical": ("tenderness of the cervical paraspinals and trapezius with reduced rotation",
                 "full upper extremity strength with symmetric reflexes"),
    "thoracic": ("tenderness over the thoracic paraspinals",),
    "shoulder": ("a positive impingement sign with painful abduction",
                 "reduced forward flexion and abduction with intact cuff strength"),
    "knee": ("medial joint line tenderness with a small effusion",
             "crepitus with full extension and a stable ligament examination"),
    "wrist": ("a positive Tinel sign at the wrist with intact two-point discrimination",
              "tenderness over the first dorsal compartment"),
    "elbow": ("tenderness over the lateral epicondyle with pain on resisted extension",),
    "ankle": ("tenderness over the lateral ankle ligaments with a stable drawer test",),
    "hip": ("tenderness over the greater trochanter with full hip rotation",),
}

HISTORY = ("physical therapy", "chiropractic care", "acupuncture", "medications",
           "anti-inflammatory medication", "a home exercise program", "activity modification",
           "a steroid injection", "work restrictions", "bracing", "a TENS unit",
           "opioid medication", "muscle relaxants")

WORK = ("remains off work", "is working modified duty", "is on temporary total disability",
        "has returned to full duty", "is not working", "is working with restrictions")

MEASURES = ("pain scores, range of motion or work status",
            "pain scores or range of motion", "activities of daily living or medication use",
            "pain levels and functional tolerances",
            "sitting, standing and walking tolerance",
            "the ability to perform activities of daily living")


@dataclass
class Case:
    """One claimant's facts, shared by every item of a letter."""

    age: int
    sex: str
    occupation: str
    regions: list[str]
    sides: dict[str, str]
    doi: date
    visit: date
    ur: date
    assigned: date
    decided: date
    received: date
    pain: int
    case_number: str
    date_style: int
    dx: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    work: str = ""
    mechanism: str = ""

    def fmt(self, d: date, style: int | None = None) -> str:
        """A date the way this letter writes dates in prose."""
        style = self.date_style if style is None else style
        if style == 0:
            return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"
        if style == 1:
            return f"{d.month:02d}/{d.day:02d}/{d.year}"
        return f"{d.month:02d}-{d.day:02d}-{d.year}"

    def body_name(self, region: str, rng: random.Random) -> str:
        """A body part as an item text names it ("right knee", "lumbar spine")."""
        r = REGIONS[region]
        name = rng.choice(r.names)
        return f"{self.sides[region]} {name}" if r.sided else name


YEARS = {"numbered_2013": (2013, 2014), "issues_decisions": (2014, 2017),
         "decisions_rationales": (2015, 2016), "issue_at_dispute": (2017, 2019)}


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max(1, (end - start).days)))


def make_case(rng: random.Random, layout: str, regions_pool: list[str]) -> Case:
    """A claimant whose dates fit the era of the layout and whose regions include the pool."""
    y0, y1 = YEARS[layout]
    decided = _day(rng, date(y0, 1, 15), date(y1, 12, 15))
    ur = decided - timedelta(days=rng.randint(25, 60))
    received = ur + timedelta(days=rng.randint(3, 12))
    assigned = received + timedelta(days=rng.randint(2, 10))
    visit = ur - timedelta(days=rng.randint(5, 30))
    doi = _day(rng, date(decided.year - 12, 1, 1), visit - timedelta(days=90))
    regions = list(dict.fromkeys(regions_pool))
    case = Case(
        age=rng.randint(23, 67), sex=rng.choice(("male", "female")),
        occupation=rng.choice(OCCUPATIONS), regions=regions,
        sides={r: rng.choice(("right", "left")) for r in REGIONS},
        doi=doi, visit=visit, ur=ur, assigned=assigned, decided=decided, received=received,
        pain=rng.randint(4, 9),
        case_number=f"CM{decided.year % 100:02d}-{rng.randint(500000, 999999):07d}",
        date_style=rng.choice((0, 0, 1, 2)),
    )
    case.dx = [rng.choice(DIAGNOSES[r]) for r in regions]
    case.history = rng.sample(HISTORY, rng.randint(2, 4))
    case.work = rng.choice(WORK)
    case.mechanism = rng.choice(MECHANISMS[regions[0]])
    return case


def join_list(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def case_slots(case: Case, rng: random.Random) -> dict[str, str | tuple[str, ...]]:
    """Slot values describing the claimant, for recap styles and the case summary."""
    region = case.regions[0]
    name = REGIONS[region].names[0]
    complaint = rng.choice((REGIONS[region].complaint, f"pain in the {name}",
                            f"pain of the {name}", f"{name} pain", f"symptoms in the {name}",
                            f"complaints involving the {name}"))
    if region in ("lumbar", "cervical") and rng.random() < 0.15:
        limb = "leg" if region == "lumbar" else "arm"
        complaint += f" radiating to the {case.sides[region]} {limb}"
    if len(case.regions) > 1:
        complaint += " and " + REGIONS[case.regions[1]].complaint
    exam = rng.choice(EXAMS[region])
    return {
        "age": str(case.age), "sex": case.sex, "occupation": case.occupation,
        "doi": case.fmt(case.doi), "visit_date": case.fmt(case.visit),
        "ur_date": case.fmt(case.ur), "mechanism": case.mechanism,
        "dx": join_list(case.dx), "history": join_list(case.history), "work": case.work,
        "complaint": complaint, "pain": str(case.pain), "exam": exam,
        "exam_brief": ("tenderness and reduced range of motion", "subjective pain complaints",
                       "stable findings", "tenderness without focal deficits", exam),
        "bp": case.body_name(region, rng),
        "since": f"{MONTHS[(case.visit.month - 5) % 12]} {case.visit.year - (case.visit.month <= 5)}",
        "measure": MEASURES,
    }
