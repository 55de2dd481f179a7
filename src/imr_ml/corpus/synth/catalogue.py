"""The treatments a synthetic letter can dispute, with the guideline facts a reviewer cites.

Everything here is data: adding a treatment means adding a row, never a code branch.
Phrases are written for this project (no text is taken from real letters). Noun phrases are
written so that they fit after "documentation of", "the guidelines support", "the notes
describe" and the like; `{t}` in a phrase is the treatment's name in prose.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Criterion:
    """A guideline criterion: what is required, what the records lack, a finding that meets it."""

    need: str
    missing: str
    found: str
    found_more: tuple[str, ...] = ()  # other findings that meet it (from FOUND_MORE)


@dataclass(frozen=True)
class Cite:
    """One guideline source; `{mtus}`, `{odg}`, `{acoem_no}` are filled from the body region."""

    source: str  # MTUS, ACOEM, ODG or other (as the segmenter's guideline parser reads it)
    title: str  # e.g. "MTUS Chronic Pain Medical Treatment 2016"
    section: str = ""
    pages: str = ""
    prose: str = ""  # how a rationale names it ("the MTUS Chronic Pain Guidelines")


@dataclass(frozen=True)
class Qty:
    """How much of a treatment the guideline supports and what gets requested."""

    unit: str  # visits, sessions, tablets, days, hours, grams
    allowed: int
    allowed_text: tuple[str, ...]
    within: tuple[int, ...]
    exceed: tuple[int, ...]
    per_day: int = 0  # medications: units taken a day, to turn a count into days of use
    # sessions: `allowed` is the guideline's total, which sessions already had count toward
    # ("a request that together with prior sessions exceeds the guideline total" is an
    # excess, ANNOTATION.md), rather than an initial trial that more may follow
    total: bool = False


@dataclass(frozen=True)
class Treatment:
    key: str
    category: str
    names: tuple[str, ...]  # in prose
    items: tuple[str, ...]  # item texts with a quantity ({n}, {N}, {freq}/{weeks}) or none
    cites: tuple[Cite, ...]
    supports: tuple[str, ...]  # noun phrases: what the guideline supports
    criteria: tuple[str, ...]  # keys of CRITERIA (the indication)
    regions: tuple[str, ...] = ()  # keys of body.REGIONS; empty: not body-specific
    qty: Qty | None = None
    not_rec: tuple[str, str] | None = None  # (singular subject NP, why clause)
    fi: tuple[str, ...] = ()  # the earlier use whose benefit must be shown; empty: new request
    noqty_items: tuple[str, ...] = ()  # item texts without a quantity (request unspecified)
    other: tuple[str, ...] = ("duplicate",)  # grounds for the reason `other`
    gain: tuple[str, ...] = ()  # functional gains that justify continuing (overturned items)
    associated: tuple[str, ...] = ()  # surgery: keys of ASSOCIATED services decided with it
    weight: float = 1.0  # how often it is disputed
    notes: tuple[str, ...] = ()  # further guideline statements (from NOTES), never a finding


_CP16 = "MTUS Chronic Pain Medical Treatment 2016"
_CP09 = "MTUS Chronic Pain Medical Treatment Guidelines"
def cp(section: str, pages: str, *, old: bool = False) -> Cite:
    """A citation of the MTUS Chronic Pain Medical Treatment Guidelines."""
    return Cite("MTUS", _CP09 if old else _CP16, section, pages, "the MTUS Chronic Pain Guidelines")


def odg(section: str, chapter: str = "{odg}") -> Cite:
    return Cite("ODG", f"Official Disability Guidelines (ODG), {chapter} Chapter", section, "",
                "the Official Disability Guidelines")


def acoem(section: str, pages: str = "") -> Cite:
    """An MTUS-adopted ACOEM chapter of the body region."""
    return Cite("MTUS", "MTUS {mtus} 2004", section, pages, "the MTUS ACOEM guidelines")


def acoem3(chapter: str, section: str) -> Cite:
    return Cite("ACOEM", f"ACOEM Practice Guidelines, 3rd Edition, {chapter} Chapter", section,
                "", "the ACOEM Practice Guidelines")


def other(title: str) -> Cite:
    return Cite("other", title, "", "", "the prescribing information")


CRITERIA: dict[str, Criterion] = {
    "radiculopathy": Criterion(
        "radiculopathy documented on examination and corroborated by imaging or "
        "electrodiagnostic testing",
        "neurological deficits on examination, such as a dermatomal sensory deficit, reflex "
        "asymmetry or myotomal weakness",
        "a positive straight leg raise with diminished sensation in the L5 dermatome that "
        "matches foraminal narrowing on the MRI"),
    "red_flags": Criterion(
        ("red flag [conditions|symptoms] or [a progressive neurologic deficit|a worsening "
         "neurologic deficit|new neurologic findings]"),
        "red flags for serious pathology, a progressive neurological deficit or a suspected "
        "fracture, tumor or infection",
        "new weakness of ankle dorsiflexion that worsened between two visits"),
    "conservative": Criterion(
        ("[failure of|an inadequate response to] [an adequate course of conservative care|"
         "conservative treatment|a trial of conservative care]"),
        ("[a trial and failure of conservative treatment|an adequate course of conservative "
         "care that did not help|a failed course of conservative care|failed conservative "
         "care][ before the request| "
         "prior to this request|]"),
        "six weeks of therapy, anti-inflammatory medication and activity modification without "
        "lasting benefit"),
    "surgical_plan": Criterion(
        "a surgical or other invasive procedure that the study would help plan",
        "any plan for surgery or an invasive procedure that the study would inform",
        "a pending surgical consultation at which the study will guide the decision"),
    "spasm": Criterion(
        "acute muscle spasm or an acute exacerbation of chronic pain",
        "palpable muscle spasm or a recent acute flare",
        "palpable paraspinal spasm after a flare two weeks earlier"),
    "neuropathic": Criterion(
        "[a neuropathic pain condition|neuropathy|a neuropathic condition]",
        ("[a neuropathic pain diagnosis|a diagnosis of neuropathy|a neuropathic diagnosis] or "
         "neuropathic findings on examination"),
        "burning, radiating pain with allodynia consistent with a neuropathic component"),
    "first_line": Criterion(
        "failure of first-line agents such as antidepressants or anticonvulsants",
        "a trial and failure of first-line oral agents",
        "failed trials of both gabapentin and amitriptyline"),
    "oral_intolerance": Criterion(
        "intolerance of, or a contraindication to, oral medication",
        "intolerance of oral medication or a reason oral agents cannot be used",
        "gastritis that developed on oral anti-inflammatory medication"),
    "gi_risk": Criterion(
        "gastrointestinal risk factors such as age over 65, prior ulcer or bleeding, or "
        "concurrent anticoagulant or high-dose NSAID use",
        "gastrointestinal risk factors, dyspepsia or a history of ulcer disease",
        "a history of peptic ulcer disease with ongoing daily NSAID use"),
    "opioid_monitoring": Criterion(
        "ongoing review of analgesia, activity, adverse effects and aberrant drug-taking "
        "behavior, with urine drug screening and a [pain|treatment|signed opioid] agreement",
        "urine drug screening, a signed opioid agreement, a risk assessment or a query of the "
        "state prescription database",
        "consistent urine drug screens, a signed pain agreement and a current CURES report"),
    "osteoarthritis": Criterion(
        "osteoarthritis of a joint close to the skin surface, such as the knee or hand",
        "osteoarthritis of the knee, elbow or another superficial joint",
        "radiographic osteoarthritis of the knee with an effusion"),
    "nerve_symptoms": Criterion(
        "focal neurologic symptoms with equivocal examination findings",
        "focal numbness, weakness or reflex change that would call for nerve testing",
        "numbness in the median nerve distribution with a positive Phalen sign"),
    "facet_pain": Criterion(
        "non-radicular axial pain with facet tenderness at no more than two levels",
        "signs of facet-mediated pain in the absence of radicular symptoms",
        "axial pain with paravertebral facet tenderness at two levels and a normal "
        "neurologic examination"),
    "trigger_points": Criterion(
        "circumscribed trigger points with a twitch response and referred pain",
        "trigger points with a twitch response and referred pain on palpation",
        "taut bands with twitch responses and referred pain in the upper trapezius"),
    "knee_derangement": Criterion(
        "mechanical symptoms with objective signs of internal derangement",
        "locking, catching or instability, or a positive McMurray or Lachman test",
        "locking episodes with a positive McMurray test and a meniscal tear on MRI"),
    "imaging_lesion": Criterion(
        "clear clinical and imaging evidence of a lesion that benefits from surgical repair",
        "imaging-confirmed pathology that correlates with the examination",
        "an MRI-confirmed full-thickness rotator cuff tear that correlates with weakness on "
        "examination"),
    "instability": Criterion(
        "segmental instability, a spondylolisthesis or a fracture, with a psychological "
        "screening before surgery",
        "instability on flexion-extension films, a spondylolisthesis or a completed "
        "psychological screening",
        "a grade II spondylolisthesis with 5 mm of translation on flexion-extension films and a "
        "completed psychological clearance"),
    "cts_confirmed": Criterion(
        "carpal tunnel syndrome confirmed by nerve conduction studies after failed splinting",
        "electrodiagnostic confirmation of carpal tunnel syndrome or a trial of splinting",
        "moderate median neuropathy at the wrist on nerve conduction studies after months of "
        "night splinting"),
    "deficits_goals": Criterion(
        ("[objective functional deficits|significant deficits in function] and [specific "
         "treatment goals|a clear purpose for further therapy]"),
        ("[objective functional deficits on examination|significant deficits in function that "
         "therapy would address] or [specific goals for the sessions|a clear purpose for "
         "further therapy]"),
        "measurable deficits in strength and range of motion with written functional goals"),
    "homebound": Criterion(
        "a patient who is homebound and needs skilled medical care at home",
        "homebound status or a skilled medical need, as opposed to help with chores or "
        "personal care",
        "homebound status after surgery with a wound that needs skilled nursing care"),
    "frp_selection": Criterion(
        "a baseline functional evaluation, failure of other treatment, significant loss of "
        "function and motivation to change",
        "a baseline functional evaluation, a loss of function that other care has failed to "
        "reverse, or motivation to return to work",
        "a multidisciplinary evaluation showing failed treatment, marked loss of function and "
        "a stated wish to return to work"),
    "rtw_plan": Criterion(
        "a defined return-to-work plan, prior failed return attempts or conflicting medical "
        "reports on fitness for duty",
        "a specific job to return to, failed return-to-work attempts or conflicting reports "
        "about work capacity",
        "two failed attempts to return to the same job and conflicting work restrictions"),
    "consult_question": Criterion(
        "a diagnosis that is uncertain or complex, or a plan that needs specialist input",
        "the clinical question the consultation would answer",
        "persistent pain despite treatment with a diagnosis still uncertain after imaging"),
    "visit_change": Criterion(
        "an ongoing clinical need such as medication management or a change in condition",
        "a change in condition or a treatment that needs monitoring at the visit",
        "ongoing medication management that requires regular review"),
    "tens_trial": Criterion(
        "a one-month home trial used with an active restoration program after other "
        "modalities have failed",
        "a completed one-month trial with documented benefit or an active restoration program "
        "to pair it with",
        "a one-month trial with less medication use and longer walking tolerance"),
    "hwave_trial": Criterion(
        "a failed trial of TENS together with therapy and medication",
        "a failed TENS trial or an ongoing program of therapy it would support",
        "a month of TENS without benefit while therapy continued"),
    "post_op": Criterion(
        "a recent or planned surgery",
        "a recent or planned surgical procedure",
        "arthroscopic surgery that has been approved and scheduled"),
    "fracture_suspect": Criterion(
        "suspected fracture, trauma or a contraindication to MRI",
        "trauma, a suspected fracture or a reason MRI cannot be performed",
        "a fall with focal bony tenderness and a pacemaker that rules out MRI"),
    "bone_scan_dx": Criterion(
        "a suspected infection, tumor, occult fracture or complex regional pain syndrome",
        "a suspected infection, tumor, occult fracture or complex regional pain syndrome",
        "point tenderness with normal radiographs that raises concern for an occult fracture"),
    "aquatic_need": Criterion(
        "a need for reduced weight bearing, such as extreme obesity",
        "a condition that makes land-based exercise unsafe or a need for reduced weight bearing",
        "a body mass index above 40 with knee arthritis that limits land-based exercise"),
    "acu_adjunct": Criterion(
        "reduced or poorly tolerated pain medication, or use alongside physical rehabilitation",
        "that pain medication is being reduced or is not tolerated, or a rehabilitation "
        "program it would support",
        "a planned taper of opioid medication alongside a home exercise program"),
    "chronic_msk": Criterion(
        "chronic pain caused by a musculoskeletal condition of the spine",
        "a musculoskeletal spinal condition that manipulation would address",
        "chronic mechanical low back pain without neurologic findings"),
    "brace_instability": Criterion(
        "spondylolisthesis, documented instability or a recent compression fracture",
        "instability, spondylolisthesis or a fracture that a support would protect",
        "a recent compression fracture of L1"),
    "knee_instability": Criterion(
        "ligamentous instability or a recent ligament repair",
        "ligamentous laxity on examination or a recent ligament repair",
        "a positive anterior drawer sign with giving way on stairs"),
    "sleep_anxiety": Criterion(
        "a short-term need such as acute anxiety or insomnia",
        "a diagnosis that a short course would treat",
        "acute insomnia after a recent flare"),
}

# More findings that meet each criterion, so that overturned rationales (and criteria found
# met inside denials) cite varied concrete evidence, as reviewers do.
FOUND_MORE: dict[str, tuple[str, ...]] = {
    "radiculopathy": (
        ("diminished sensation in the C6 dermatome with a reduced biceps reflex that matches "
        "foraminal stenosis on imaging"),
        ("an EMG showing an acute L5 radiculopathy that corresponds to the weakness on "
        "examination")),
    "red_flags": ("numbness and weakness in the leg that progressed over the past month",),
    "conservative": (
        ("completed courses of physical therapy, NSAIDs and home exercise with persistent pain "
        "and limited function"),
        "three months of therapy and medication with no lasting improvement"),
    "surgical_plan": ("a surgeon's note stating that the study is needed to plan surgery",),
    "spasm": ("paravertebral muscle spasm on examination during an acute flare",),
    "neuropathic": ("dysesthesia and allodynia in a dermatomal distribution",),
    "first_line": ("documented failure of gabapentin and a tricyclic antidepressant",),
    "oral_intolerance": ("gastrointestinal intolerance of oral NSAIDs",),
    "gi_risk": ("dyspepsia on high-dose NSAIDs in a patient over 65",),
    "opioid_monitoring": (
        ("urine drug screens consistent with the prescribed medications and a documented risk "
        "assessment"),
        ("pain falling from 8/10 to 5/10 with the medication, no aberrant behavior and a "
        "current opioid agreement")),
    "osteoarthritis": ("knee osteoarthritis confirmed on weight-bearing radiographs",),
    "nerve_symptoms": (("paresthesias in the ulnar digits with a positive Tinel sign at the "
                       "elbow"),),
    "facet_pain": (("facet tenderness at L4-5 and L5-S1 with pain on extension and rotation and "
                   "no radicular signs"),),
    "trigger_points": (("discrete trigger points with a twitch response that did not respond to "
                       "stretching and medication"),),
    "knee_derangement": (("joint line tenderness, a positive McMurray test and mechanical "
                         "locking"),),
    "imaging_lesion": ("a labral tear on MRI arthrogram that matches a positive O'Brien test",
                       "a full-thickness tear on MRI with weakness on resisted elevation"),
    "instability": ("4 mm of translation on flexion-extension radiographs",),
    "cts_confirmed": (("nerve conduction studies confirming median neuropathy at the wrist after "
                      "failed splinting and an injection"),),
    "deficits_goals": (("reduced lumbar flexion and grip strength with specific functional goals "
                       "for therapy"),),
    "homebound": ("homebound status with an open wound that needs skilled care",),
    "frp_selection": (("a completed multidisciplinary evaluation, failed conservative care and "
                      "motivation to return to work"),),
    "rtw_plan": ("a job offer that depends on a defined physical capacity",),
    "consult_question": (("a complex presentation with findings the treating physician cannot "
                         "explain"),),
    "visit_change": ("worsening symptoms that required a change in medication",),
    "tens_trial": ("a one-month trial with less pain medication and improved function",),
    "hwave_trial": ("a failed TENS trial while therapy and medication continued",),
    "post_op": ("a surgery that has been authorized",),
    "fracture_suspect": ("a fall with tenderness over the spinous processes",),
    "bone_scan_dx": (("swelling, color change and allodynia suggesting complex regional pain "
                     "syndrome"),),
    "aquatic_need": ("morbid obesity that limits land-based exercise",),
    "acu_adjunct": ("intolerance of pain medication with an active home exercise program",),
    "chronic_msk": (("chronic low back pain of musculoskeletal origin with no neurologic "
                    "deficit"),),
    "brace_instability": ("spondylolisthesis with documented instability",),
    "knee_instability": ("ligamentous laxity with a positive Lachman test",),
    "sleep_anxiety": ("new insomnia during a flare after sleep hygiene measures were tried",),
}
CRITERIA = {k: replace(c, found_more=FOUND_MORE.get(k, ())) for k, c in CRITERIA.items()}

TREATMENTS: tuple[Treatment, ...] = (
    # ---- opioids -------------------------------------------------------------------------
    Treatment(
        "norco", "opioid", ("Norco", "hydrocodone/acetaminophen", "the opioid", "hydrocodone"),
        ("Norco 10/325mg #{n}", "Norco 10/325 mg #{n}", "Hydrocodone/APAP 10/325mg #{n}",
         "Norco 5/325mg #{n}", "Hydrocodone/acetaminophen 7.5/325mg #{n}"),
        (cp("Opioids, criteria for use", "76-80"), cp("Opioids, ongoing management", "78-80"),
         cp("Opioids for chronic pain", "80-81", old=True)),
        (("continued opioid therapy only when there is a documented improvement in pain and "
         "function"), ("opioids for chronic pain with regular review of the four domains of "
         "analgesia, activity, adverse effects and aberrant behavior")),
        ("opioid_monitoring",),
        fi=("the ongoing use of {t}", "long-term opioid use since {since}",
            "the opioid regimen"),
        noqty_items=("Norco 10/325mg", "Hydrocodone/APAP (quantity unspecified)"),
        other=("unspecified", "retro_records", "duplicate"),
        gain=(("pain falling from 8/10 to 4/10 with the medication and a return to part-time "
              "work"), ("being able to walk for 30 minutes and do household chores on the "
              "medication")),
        weight=1.0),
    Treatment(
        "tramadol", "opioid", ("tramadol", "Ultram", "the opioid"),
        ("Tramadol 50mg #{n}", "Ultram 50mg #{n}", "Tramadol ER 150mg #{n}",
         "Tramadol HCL 50mg #{n} with {refills} refills"),
        (cp("Opioids, criteria for use", "76-80"), cp("Tramadol (Ultram)", "93-94")),
        (("tramadol as a second-line option for moderate to severe pain, continued only with "
         "documented functional benefit"),),
        ("opioid_monitoring", "first_line"),
        fi=("ongoing use of {t}", "{t}, which has been prescribed since {since}"),
        noqty_items=("Tramadol 50mg", "Ultram (unknown quantity)"),
        other=("unspecified", "duplicate"),
        gain=("pain dropping from 7/10 to 3/10 and resumed daily walks",),
        weight=0.8),
    Treatment(
        "oxycodone", "opioid", ("oxycodone", "the opioid", "OxyContin"),
        ("Oxycodone 10mg #{n}", "OxyContin 20mg #{n}", "Percocet 10/325mg #{n}",
         "Oxycodone/APAP 5/325mg #{n}"),
        (cp("Opioids, criteria for use", "76-80"), cp("Opioids, dosing", "86-87")),
        (("opioid therapy at the lowest effective dose with a morphine equivalent dose below "
         "120 mg a day, reviewed at each visit"),),
        ("opioid_monitoring",),
        fi=("the current opioid regimen", "ongoing use of {t} since {since}"),
        noqty_items=("Oxycodone 10mg",),
        other=("unspecified", "duplicate"),
        gain=(("a documented increase in sitting tolerance and completion of a work hardening "
              "program on the medication"),),
        weight=0.4),
    # ---- NSAIDs ---------------------------------------------------------------------------
    Treatment(
        "naproxen", "nsaid", ("naproxen", "the anti-inflammatory", "Anaprox"),
        ("Naproxen 550mg #{n}", "Naproxen sodium 550mg #{n}", "Anaprox DS 550mg #{n}",
         "Naproxen 500mg #{n} with {refills} refills"),
        (cp("NSAIDs (non-steroidal anti-inflammatory drugs)", "67-73"),
         cp("Anti-inflammatory medications", "22", old=True)),
        (("non-steroidal anti-inflammatory drugs at the lowest effective dose for as short a time as possible in "
         "moderate to severe pain"),),
        ("conservative",),
        fi=("the anti-inflammatory medication taken since {since}",),
        noqty_items=("Naproxen 550mg",),
        other=("unspecified", "duplicate"),
        gain=("less pain with better sitting tolerance and no gastrointestinal upset",),
        weight=1.0),
    Treatment(
        "celecoxib", "nsaid", ("Celebrex", "celecoxib", "the COX-2 inhibitor"),
        ("Celebrex 200mg #{n}", "Celecoxib 200mg #{n}"),
        (cp("NSAIDs, GI symptoms and cardiovascular risk", "68-69"),),
        ("a COX-2 selective agent in patients at risk of gastrointestinal complications",),
        ("gi_risk",),
        fi=("the ongoing use of {t}",),
        noqty_items=("Celebrex 200mg",),
        other=("unspecified", "duplicate"),
        gain=("improved walking distance on the medication",),
        weight=0.5),
    # ---- muscle relaxants -----------------------------------------------------------------
    Treatment(
        "cyclobenzaprine", "muscle_relaxant", ("cyclobenzaprine", "Flexeril",
                                                "the muscle relaxant"),
        ("Cyclobenzaprine 7.5mg #{n}", "Flexeril 10mg #{n}", "Cyclobenzaprine 10mg #{n}",
         "Fexmid 7.5mg #{n}"),
        (cp("Muscle relaxants (for pain)", "63-66"), cp("Cyclobenzaprine (Flexeril)", "41-42")),
        (("a short course of cyclobenzaprine as a second-line option for acute exacerbations of "
         "chronic low back pain"),),
        ("spasm",),
        qty=Qty("tablets", 21, ("a short course of no more than 2 to 3 weeks",
                                "use limited to 2 to 3 weeks"),
                (10, 14, 15, 20), (60, 90, 120), per_day=1),
        fi=("the muscle relaxant, which has been taken since {since}",),
        noqty_items=("Cyclobenzaprine 7.5mg", "Flexeril (quantity unknown)"),
        other=("unspecified", "retro_records", "duplicate"),
        gain=("less spasm and better sleep during a two-week course after a flare",),
        weight=1.6),
    Treatment(
        "baclofen", "muscle_relaxant", ("baclofen", "the antispasmodic"),
        ("Baclofen 10mg #{n}", "Baclofen 20mg #{n}"),
        (cp("Muscle relaxants (for pain)", "63-66"),),
        ("baclofen for spasticity from multiple sclerosis or spinal cord injury",),
        ("spasm",),
        qty=Qty("tablets", 21, ("short-term use only",), (14, 20), (60, 90), per_day=2),
        not_rec=("the use of baclofen for musculoskeletal back pain",
                 ("its supported uses are spasticity from spinal cord injury or multiple "
                 "sclerosis")),
        fi=("the antispasmodic taken since {since}",),
        noqty_items=("Baclofen 10mg",),
        other=("unspecified", "duplicate"),
        gain=("reduced spasm frequency recorded in a symptom diary",),
        weight=0.6),
    Treatment(
        "tizanidine", "muscle_relaxant", ("tizanidine", "Zanaflex", "the muscle relaxant"),
        ("Tizanidine 4mg #{n}", "Zanaflex 4mg #{n}", "Tizanidine 2mg #{n}"),
        (cp("Muscle relaxants (for pain)", "63-66"), cp("Tizanidine (Zanaflex)", "66")),
        ("tizanidine as a second-line choice for brief treatment of acute flares",),
        ("spasm",),
        qty=Qty("tablets", 21, ("short-term use during an acute flare",), (14, 20), (60, 90),
                per_day=2),
        fi=("the muscle relaxant, prescribed since {since}",),
        noqty_items=("Tizanidine 4mg",),
        other=("unspecified", "duplicate"),
        gain=("fewer night-time spasms and better sleep",),
        weight=0.7),
    # ---- topicals -------------------------------------------------------------------------
    Treatment(
        "lidoderm", "topical", ("Lidoderm", "the lidocaine patch", "topical lidocaine"),
        ("Lidoderm 5% patch #{n}", "Lidocaine 5% patch #{n}", "Lidoderm patches #{n}"),
        (cp("Lidoderm (lidocaine patch)", "56-57"), cp("Topical analgesics", "111-113")),
        (("topical lidocaine for localized peripheral neuropathic pain after a trial of "
         "first-line therapy"),),
        ("neuropathic", "first_line"),
        not_rec=("the use of lidocaine patches for non-neuropathic or axial spine pain",
                 "the only supported use is localized peripheral neuropathic pain"),
        fi=("the patches, which have been used since {since}",),
        noqty_items=("Lidoderm patch", "Lidocaine patch (unspecified quantity)"),
        other=("unspecified", "duplicate"),
        gain=("focal burning pain reduced enough to wear shoes all day",),
        weight=1.0),
    Treatment(
        "voltaren_gel", "topical", ("Voltaren gel", "topical diclofenac", "the gel"),
        ("Voltaren 1% gel {n}gm", "Diclofenac sodium 1% gel {n}gm",
         "Voltaren gel 1% {n} grams with 1 refill"),
        (cp("Topical analgesics", "111-112"),),
        (("topical diclofenac for osteoarthritis pain in superficial joints such as the knee, "
         "for a period of 4 to 12 weeks"),),
        ("osteoarthritis", "oral_intolerance"),
        not_rec=("the use of topical diclofenac for the spine, hip or shoulder",
                 "it has not been evaluated for those sites"),
        fi=("the gel applied since {since}",),
        noqty_items=("Voltaren gel",),
        other=("unspecified", "body_part", "duplicate"),
        gain=("better knee function on stairs since starting the gel",),
        weight=0.9),
    Treatment(
        "compound", "topical", ("the topical analgesic", "compounded topical analgesics",
                                "the compounded topical cream", "the compound",
                                "topical compounded cream", "the topical cream"),
        ("Flurbiprofen 20%/Lidocaine 5% cream {n}gm",
         "Gabapentin 10%, Cyclobenzaprine 5%, Lidocaine 2% cream {n}g",
         "Ketoprofen 10%/Capsaicin 0.025% compound cream {n}gm",
         "Compounded cream (Amitriptyline 4%, Tramadol 5%) {n}gm",
         "Cyclobenzaprine 5% in cream base {n}g"),
        (cp("Topical analgesics", "111-113"),),
        (("topical analgesics mainly for neuropathic pain once antidepressants and "
         "anticonvulsants have failed"),),
        ("neuropathic", "first_line", "oral_intolerance"),
        not_rec=(("a compounded product whenever one of its drugs or drug classes is itself "
                 "unsupported"),
                 ("agents such as topical gabapentin, muscle relaxants or ketoprofen lack "
                 "evidence for topical use")),
        fi=("the compounded cream used since {since}",),
        noqty_items=("Compounded topical cream (unknown quantity)", "Topical compound cream"),
        other=("unspecified", "retro_records", "duplicate"),
        gain=("less reliance on oral medication since starting the cream",),
        weight=2.0),
    # ---- anticonvulsants ------------------------------------------------------------------
    Treatment(
        "gabapentin", "anticonvulsant", ("gabapentin", "Neurontin", "the anticonvulsant"),
        ("Gabapentin 300mg #{n}", "Neurontin 600mg #{n}", "Gabapentin 600mg #{n}"),
        (cp("Antiepilepsy drugs (AEDs)", "16-22"), cp("Gabapentin (Neurontin)", "18-19")),
        (("gabapentin as a first-line treatment for neuropathic pain, continued when pain "
         "falls by at least 30 percent"),),
        ("neuropathic",),
        fi=("the anticonvulsant taken since {since}",),
        noqty_items=("Gabapentin 300mg",),
        other=("unspecified", "duplicate"),
        gain=("a 40 percent reduction in radiating leg pain and better sleep",),
        weight=0.7),
    Treatment(
        "lyrica", "anticonvulsant", ("Lyrica", "pregabalin", "the anticonvulsant"),
        ("Lyrica 75mg #{n}", "Pregabalin 50mg #{n}", "Lyrica 150mg #{n}"),
        (cp("Pregabalin (Lyrica)", "19-20"), cp("Antiepilepsy drugs (AEDs)", "16-22")),
        ("pregabalin for diabetic neuropathy, postherpetic neuralgia and fibromyalgia",),
        ("neuropathic",),
        fi=("ongoing use of {t} since {since}",),
        noqty_items=("Lyrica 75mg",),
        other=("unspecified", "duplicate"),
        gain=("burning foot pain halved and a return to evening walks",),
        weight=0.4),
    # ---- PPIs -----------------------------------------------------------------------------
    Treatment(
        "omeprazole", "ppi", ("omeprazole", "Prilosec", "the proton pump inhibitor",
                              "the PPI"),
        ("Omeprazole 20mg #{n}", "Prilosec 20mg #{n}", "Pantoprazole 20mg #{n}",
         "Protonix 40mg #{n}"),
        (cp("NSAIDs, GI symptoms and cardiovascular risk", "68-69"),),
        (("a proton pump inhibitor for patients taking NSAIDs who are at intermediate or high "
         "risk of gastrointestinal events"),),
        ("gi_risk",),
        fi=("the proton pump inhibitor taken since {since}",),
        noqty_items=("Omeprazole 20mg", "Omeprazole"),
        other=("unspecified", "duplicate"),
        gain=("resolution of dyspepsia that had appeared on anti-inflammatory medication",),
        weight=1.4),
    Treatment(
        "zolpidem", "hypnotic", ("zolpidem", "Ambien", "the hypnotic"),
        ("Zolpidem 10mg #{n}", "Ambien 10mg #{n}"),
        (odg("Insomnia treatment", "Pain"),),
        ("zolpidem for short-term treatment of insomnia, generally 2 to 6 weeks",),
        ("sleep_anxiety",),
        qty=Qty("tablets", 42, ("short-term use of 2 to 6 weeks",), (14, 30), (60, 90),
                per_day=1),
        not_rec=("long-term use of hypnotics such as zolpidem",
                 "tolerance and dependence develop with continued use"),
        fi=("the hypnotic taken nightly since {since}",),
        noqty_items=("Ambien 10mg",),
        other=("unspecified", "duplicate"),
        gain=("sleep restored from four to seven hours a night during a short course",),
        weight=0.3),
    # ---- physical medicine ----------------------------------------------------------------
    Treatment(
        "pt", "physical_medicine", ("physical therapy", "PT", "the therapy", "physical therapy"),
        ("{N} sessions of physical therapy for the {bp}",
         "Physical therapy {freq} times a week for {weeks} weeks for the {bp}",
         "Additional physical therapy {n} visits for the {bp}",
         "Physical therapy for the {bp}, {n} sessions",
         "Physical therapy {freq}x{weeks} to the {bp}"),
        (cp("Physical Medicine", "98-99"), cp("Physical Medicine", "98-99", old=True),
         odg("Physical therapy (PT)")),
        (("9 to 10 visits over 8 weeks of physical medicine for myalgia and myositis, with a "
         "fading of treatment frequency and a move to home exercise"),
         ("active therapy to restore strength, flexibility and [range of motion|function], "
          "tapering to a [self-directed|home-based] program"),
         "physical therapy [for|in] [musculoskeletal|soft tissue] conditions[ with active exercise|]"),
        ("deficits_goals",),
        ("lumbar", "cervical", "shoulder", "knee", "wrist", "elbow", "ankle", "hip",
         "thoracic"),
        qty=Qty("sessions", 10, ("9 to 10 visits over 8 weeks", "up to ten sessions",
                                 "a total of 10 visits"),
                (6, 8), (12, 16, 18, 24), total=True),
        fi=("the {prior} sessions of physical therapy already completed",
            "the previous course of therapy"),
        noqty_items=("Physical therapy for the {bp}", "Outpatient physical therapy ({bp})"),
        other=("unspecified", "body_part", "duplicate"),
        gain=(("range of motion improving by 30 degrees and lifting tolerance rising from 10 to "
              "25 pounds over the first sessions"),
              "a return to modified duty after the first block of sessions"),
        weight=6.0),
    Treatment(
        "chiro", "physical_medicine", ("chiropractic care", "manipulation",
                                       "chiropractic treatment"),
        ("Chiropractic treatment {freq} times a week for {weeks} weeks for the {bp}",
         "{N} sessions of chiropractic manipulation for the {bp}",
         "Chiropractic care {n} visits, {bp}"),
        (cp("Manual therapy and manipulation", "58-60"),),
        (("a trial of 6 visits over 2 weeks of manipulation for chronic musculoskeletal pain, "
         "with up to 18 visits over 6 to 8 weeks when function improves"),),
        ("chronic_msk",),
        ("lumbar", "cervical", "thoracic"),
        qty=Qty("visits", 6, ("a trial of 6 visits over 2 weeks", ("an initial trial of six "
                              "visits")), (4, 6), (8, 12, 18)),
        not_rec=("manipulation of the knee, wrist, hand or ankle",
                 "no benefit has been shown for those regions"),
        fi=("the {prior} chiropractic visits completed so far",),
        noqty_items=("Chiropractic care for the {bp}",),
        other=("unspecified", "body_part", "duplicate"),
        gain=("walking tolerance doubling and a return to full duty after the trial visits",),
        weight=1.6),
    Treatment(
        "acupuncture", "physical_medicine", ("acupuncture", "the acupuncture treatments"),
        ("Acupuncture {freq} times a week for {weeks} weeks for the {bp}",
         "{N} sessions of acupuncture for the {bp}", "Acupuncture {n} sessions"),
        (Cite("MTUS", "MTUS Acupuncture Medical Treatment Guidelines 2007", "", "8-9",
              "the MTUS Acupuncture Medical Treatment Guidelines"),),
        (("an initial 3 to 6 acupuncture treatments, extended only when functional improvement "
         "is documented"),),
        ("acu_adjunct",),
        ("lumbar", "cervical", "shoulder", "knee", "wrist"),
        qty=Qty("sessions", 6, ("3 to 6 treatments to show a functional effect",
                                "an initial trial of six sessions"), (4, 6), (8, 12, 18)),
        fi=("the {prior} acupuncture sessions already provided",),
        noqty_items=("Acupuncture (unspecified quantity)", "Acupuncture for the {bp}"),
        other=("unspecified", "duplicate"),
        gain=("less medication use and a return to gardening after the first six treatments",),
        weight=1.3),
    Treatment(
        "aquatic", "physical_medicine", ("aquatic therapy", "pool therapy"),
        ("Aquatic therapy {freq} times a week for {weeks} weeks", ("{N} sessions of aquatic "
         "therapy for the {bp}")),
        (cp("Aquatic therapy", "22"),),
        (("aquatic therapy as an alternative to land-based therapy where reduced weight bearing "
         "is desirable"),),
        ("aquatic_need",),
        ("lumbar", "knee", "hip"),
        qty=Qty("sessions", 10, ("up to 10 visits over 8 weeks",), (6, 8), (12, 18, 24),
                total=True),
        fi=("the prior aquatic sessions",),
        other=("unspecified", "duplicate"),
        gain=("better gait endurance after the first pool sessions",),
        weight=0.5),
    # ---- imaging and electrodiagnostics ---------------------------------------------------
    Treatment(
        "mri", "imaging", ("MRI", "magnetic resonance imaging", "the MRI", "repeat imaging"),
        ("MRI of the {bp}", "MRI of the {bp} without contrast", ("Magnetic resonance imaging of "
         "the {bp}"), "Repeat MRI of the {bp}", "MRI {bp} without contrast"),
        (acoem("Special Studies"), odg("MRIs (magnetic resonance imaging)"),
         acoem("Diagnostic Criteria", "303-304")),
        (("magnetic resonance imaging when red flags, a progressive neurologic deficit or "
          "failure of conservative care before a planned procedure are present"),
         ("[imaging|an MRI] [in patients with|where there are] [red flag symptoms|clear "
          "neurologic findings] or [when surgery is being considered|failed conservative "
          "treatment]"),
         "MRI [when the examination is unclear and|where] nerve [compromise|dysfunction] is suspected"),
        ("red_flags", "radiculopathy", "conservative", "surgical_plan"),
        ("lumbar", "cervical", "shoulder", "knee", "wrist", "hip", "ankle"),
        noqty_items=("MRI", "MRI without contrast"),
        other=("body_part", "duplicate"),
        weight=2.6),
    Treatment(
        "ct", "imaging", ("CT scan", "computed tomography", "the CT"),
        ("CT scan of the {bp}", "CT of the {bp} without contrast"),
        (acoem("Special Studies"), odg("CT (computed tomography)")),
        (("computed tomography for suspected fracture or bony detail, or when MRI cannot be "
         "done"),),
        ("fracture_suspect", "red_flags"),
        ("lumbar", "cervical", "wrist", "ankle", "knee"),
        other=("body_part", "duplicate"),
        weight=0.5),
    Treatment(
        "xray", "imaging", ("X-rays", "x-rays", "plain films", "radiographs"),
        ("X-ray of the {bp}", "X-rays of the {bp}, 3 views", "Repeat X-rays of the {bp}"),
        (acoem("Special Studies"), odg("Radiography (x-rays)")),
        (("plain radiographs after trauma or when red flags raise concern for a serious "
         "condition"),),
        ("fracture_suspect", "red_flags"),
        ("lumbar", "cervical", "shoulder", "knee", "wrist", "hip", "ankle"),
        other=("body_part", "duplicate"),
        weight=1.0),
    Treatment(
        "bone_scan", "imaging", ("bone scan", "the bone scan", "radionuclide imaging"),
        ("Bone scan of the {bp}", "Whole body bone scan", "Three-phase bone scan of the {bp}"),
        (odg("Bone scan"), acoem("Special Studies")),
        (("bone scanning for suspected infection, tumor, occult fracture or complex regional "
         "pain syndrome"),),
        ("bone_scan_dx",),
        ("lumbar", "wrist", "ankle", "hip"),
        not_rec=("a bone scan as a routine study for back pain",
                 ("it adds little to plain films and MRI in the absence of specific "
                 "pathology")),
        other=("duplicate",),
        weight=0.4),
    Treatment(
        "emg", "electrodiagnostic", ("EMG/NCV", "EMG/NCS", "electrodiagnostic studies",
                                     "nerve conduction studies"),
        ("EMG/NCS of the bilateral upper extremities", ("EMG/NCV of the bilateral lower "
         "extremities"), "NCS of the {side} upper extremity", ("EMG of the {side} lower "
         "extremity"), "Electromyography and nerve conduction studies of both legs"),
        (acoem("Special Studies"), odg("Electrodiagnostic studies (EDS)"),
         odg("Nerve conduction studies (NCS)")),
        (("electrodiagnostic testing to clarify focal neurologic dysfunction when the "
         "examination is equivocal"),),
        ("nerve_symptoms", "conservative"),
        ("lumbar", "cervical", "wrist"),
        not_rec=("nerve conduction testing when radiculopathy is already clinically obvious",
                 "it would not change the diagnosis or the treatment"),
        other=("duplicate", "body_part"),
        weight=2.5),
    # ---- injections -----------------------------------------------------------------------
    Treatment(
        "esi", "injection", ("epidural steroid injection", "the ESI", "epidural injection"),
        ("Lumbar epidural steroid injection at L4-L5", ("Transforaminal epidural steroid "
         "injection {side} L5-S1"), "Cervical epidural steroid injection at C5-C6",
         "Repeat lumbar epidural steroid injection L4-5 and L5-S1"),
        (cp("Epidural steroid injections (ESIs)", "46"),),
        (("epidural steroid injections for radicular pain that is corroborated by imaging or "
         "electrodiagnostic testing and unresponsive to conservative care"),),
        ("radiculopathy", "conservative"),
        ("lumbar", "cervical"),
        fi=("the previous epidural injection",),
        other=("duplicate",),
        gain=(("the prior injection giving 60 percent relief for eight weeks with less "
              "medication use"),),
        weight=0.6),
    Treatment(
        "facet", "injection", ("facet injection", "medial branch block", "the facet blocks"),
        ("Facet joint injection L4-5 and L5-S1 bilaterally", ("Lumbar medial branch block at "
         "L3-4 and L4-5"), "Cervical facet injections at C4-5 and C5-6",
         "Facet joint injections L4-5, L5-S1"),
        (cp("Facet blocks", "82"), odg("Facet joint diagnostic blocks (injections)"),
         acoem3("Low Back Disorders", "Facet joint injections")),
        (("one set of diagnostic medial branch blocks for non-radicular pain at no more than two "
         "levels"),),
        ("facet_pain", "conservative"),
        ("lumbar", "cervical"),
        not_rec=("therapeutic intra-articular facet injection",
                 "evidence does not support a lasting benefit"),
        fi=("the earlier facet injections",),
        other=("duplicate",),
        weight=0.8),
    Treatment(
        "trigger_point", "injection", ("trigger point injections", ("the trigger point "
                                       "injections")),
        ("Trigger point injections x{n} to the {bp}", "{N} trigger point injections",
         "Trigger point injection to the upper trapezius"),
        (cp("Trigger point injections", "122"),),
        (("trigger point injections for myofascial pain with documented trigger points, at no "
         "more than 3 to 4 injections per session"),),
        ("trigger_points", "conservative"),
        ("cervical", "lumbar", "shoulder"),
        qty=Qty("injections", 4, ("no more than 3 to 4 injections per session",), (2, 3),
                (6, 8)),
        not_rec=("trigger point injection for radicular pain",
                 "the injections target myofascial trigger points, not nerve root pain"),
        fi=("the previous trigger point injections",),
        other=("duplicate",),
        gain=("more than 50 percent relief for six weeks after the last injections",),
        weight=0.3),
    # ---- surgery --------------------------------------------------------------------------
    Treatment(
        "knee_scope", "surgery", ("knee arthroscopy", "the arthroscopy", "the surgery"),
        ("{Side} knee arthroscopy with partial meniscectomy", ("Arthroscopic surgery of the "
         "{side} knee"), "{Side} knee arthroscopy, debridement and chondroplasty"),
        (acoem("Surgical Considerations", "344-345"), odg("Meniscectomy")),
        (("arthroscopic meniscectomy when mechanical symptoms and an imaging-confirmed tear "
         "persist despite conservative care"),),
        ("knee_derangement", "conservative"),
        ("knee",),
        not_rec=("arthroscopic debridement for degenerative knee osteoarthritis",
                 "trials show no advantage over exercise"),
        associated=("postop_pt", "clearance", "ekg", "labs_cbc", "labs_cmp", "cold_unit",
                    "crutches", "knee_brace_postop", "postop_meds", "assistant"),
        weight=0.9),
    Treatment(
        "shoulder_scope", "surgery", ("shoulder arthroscopy", "the surgery",
                                      "the proposed surgery"),
        ("{Side} shoulder arthroscopy with subacromial decompression", ("{Side} shoulder "
         "arthroscopy and rotator cuff repair"), "Arthroscopic {side} shoulder surgery"),
        (acoem("Surgical Considerations", "209-211"), odg("Surgery for impingement syndrome",
                                                          "Shoulder")),
        (("surgical repair when there is activity limitation for more than four months and an "
         "imaging-confirmed lesion that correlates with examination"),),
        ("imaging_lesion", "conservative"),
        ("shoulder",),
        associated=("postop_pt", "clearance", "ekg", "labs_cbc", "chest_xray", "cold_unit",
                    "sling", "postop_meds", "assistant", "labs_pt_ptt"),
        weight=0.9),
    Treatment(
        "fusion", "surgery", ("lumbar fusion", "the fusion", "the proposed surgery"),
        ("Lumbar fusion at L4-L5", "Anterior and posterior lumbar fusion L5-S1",
         "Posterior lumbar interbody fusion L4-5 with instrumentation"),
        (acoem("Surgical Considerations", "305-307"), odg("Fusion (spinal)", "Low Back")),
        (("spinal fusion for fracture, dislocation or instability, after a psychological "
         "screening"),),
        ("instability", "conservative"),
        ("lumbar",),
        not_rec=("fusion for degenerative disc disease without instability",
                 "outcomes are no better than structured rehabilitation"),
        associated=("inpatient", "clearance", "ekg", "labs_cbc", "labs_cmp", "chest_xray",
                    "lso_brace", "bone_stim", "postop_pt", "walker", "assistant",
                    "home_health_postop", "postop_meds"),
        weight=0.7),
    Treatment(
        "ctr", "surgery", ("carpal tunnel release", "the release", "the surgery"),
        ("{Side} carpal tunnel release", "Open carpal tunnel release, {side} wrist",
         "Endoscopic {side} carpal tunnel release"),
        (acoem("Surgical Considerations", "270"), odg("Carpal tunnel release surgery (CTR)",
                                                      "Forearm, Wrist, and Hand")),
        (("carpal tunnel release for symptoms confirmed by electrodiagnostic studies after "
         "failed splinting and injection"),),
        ("cts_confirmed",),
        ("wrist",),
        associated=("postop_ot", "clearance", "ekg", "labs_cbc", "wrist_splint", "postop_meds"),
        weight=0.7),
    # ---- DME ------------------------------------------------------------------------------
    Treatment(
        "lumbar_brace", "dme", ("lumbar support", "the brace", "a back brace"),
        ("Lumbar support brace", "LSO back brace for purchase", "Lumbar corset"),
        (acoem("Initial Care", "301"), odg("Lumbar supports", "Low Back")),
        (("lumbar supports only for compression fractures, spondylolisthesis or documented "
         "instability"),),
        ("brace_instability",),
        ("lumbar",),
        not_rec=("a lumbar support for the prevention or treatment of back pain",
                 "supports have shown no lasting benefit beyond the acute phase"),
        other=("duplicate",),
        weight=1.0),
    Treatment(
        "knee_brace", "dme", ("knee brace", "the brace"),
        ("{Side} knee brace", "Hinged knee brace for the {side} knee", ("Custom {side} knee "
         "brace")),
        (acoem("Activity Alteration", "340"), odg("Knee brace", "Knee and Leg")),
        (("a knee brace for patellar instability, ligament insufficiency or after ligament "
         "repair"),),
        ("knee_instability",),
        ("knee",),
        not_rec=("a knee brace for non-specific knee pain",
                 "usually a brace is needed only when the knee is stressed under load"),
        other=("duplicate",),
        weight=0.6),
    Treatment(
        "tens", "dme", ("TENS unit", "the TENS unit", ("transcutaneous electrical nerve "
                        "stimulation")),
        ("TENS unit purchase", "TENS unit {n} day rental", "TENS unit with supplies",
         "Home TENS unit for the {bp}"),
        (cp("Transcutaneous electrotherapy", "114-116"), cp("TENS, chronic pain", "116")),
        (("a one-month home trial of TENS used alongside an evidence-based functional "
         "restoration program"),),
        ("tens_trial", "conservative"),
        ("lumbar", "cervical", "knee", "shoulder"),
        qty=Qty("days", 30, ("a one-month home trial", "a 30-day rental trial"), (30,),
                (60, 90)),
        not_rec=("TENS as a primary treatment modality",
                 "it is supported only as an adjunct to active functional restoration"),
        fi=("the TENS unit already in use",),
        other=("duplicate",),
        gain=("less medication use and longer walking tolerance during the trial month",),
        weight=0.5),
    Treatment(
        "cold_unit", "dme", ("cold therapy unit", "the cryotherapy unit", ("continuous-flow "
                             "cryotherapy")),
        ("Cold therapy unit {n} day rental", "Cold therapy unit for purchase",
         "Continuous cold therapy unit rental for {n} days"),
        (odg("Continuous-flow cryotherapy", "Knee and Leg"),),
        ("continuous-flow cryotherapy for up to 7 days after surgery",),
        ("post_op",),
        qty=Qty("days", 7, ("up to 7 days of postoperative use", "seven days after surgery"),
                (7,), (14, 21, 30)),
        not_rec=("continuous-flow cryotherapy for non-surgical treatment",
                 "simple ice packs work as well at home"),
        other=("unspecified", "duplicate"),
        weight=0.6),
    Treatment(
        "hwave", "dme", ("H-wave unit", "the H-wave device", "H-wave stimulation"),
        ("H-wave unit {n} day trial", "Home H-wave device purchase", ("H-wave unit rental "
         "for {n} days")),
        (cp("H-wave stimulation (HWT)", "117-118"),),
        (("a one-month home trial of H-wave stimulation for chronic soft tissue inflammation "
         "when TENS, therapy and medication have failed"),),
        ("hwave_trial",),
        qty=Qty("days", 30, ("a one-month home-based trial",), (30,), (60, 90)),
        not_rec=("H-wave stimulation as an isolated intervention",
                 "it is considered only alongside functional restoration"),
        fi=("the H-wave unit already used at home",),
        other=("duplicate",),
        gain=("documented reduction of medication use during the trial month",),
        weight=0.2),
    # ---- home health and programs ---------------------------------------------------------
    Treatment(
        "home_health", "home_health", ("home health care", "the home health aide",
                                       "home health services"),
        ("Home health aide {n} hours per week for 6 weeks", ("Home health care 4 hours a day, "
         "5 days a week"), "Home health services {n} hours weekly"),
        (cp("Home health services", "51"),),
        (("home health services for medical treatment of patients who are homebound, generally "
         "up to no more than 35 hours per week"),),
        ("homebound",),
        qty=Qty("hours", 35, ("no more than 35 hours per week",), (10, 20), (40, 56)),
        not_rec=(("home health services limited to homemaker help such as shopping, cleaning "
                 "and laundry"), "those are not medical treatment"),
        other=("unspecified", "duplicate"),
        weight=0.6),
    Treatment(
        "frp", "program", ("functional restoration program", "the program", "the FRP"),
        ("Functional restoration program {n} hours", ("Functional restoration program, "
         "{n} days"), ("Multidisciplinary functional restoration program evaluation and "
         "treatment")),
        (cp("Functional restoration programs (FRPs)", "30-34"),
         cp("Chronic pain programs", "30-32")),
        (("a functional restoration program for patients with a chronic pain syndrome who meet "
         "selection criteria, for no more than 2 weeks without evidence of gains"),),
        ("frp_selection",),
        qty=Qty("hours", 80, (("an initial two weeks (80 hours) before gains are "
                              "reassessed"), ("no longer than 2 weeks without demonstrated "
                              "efficacy")), (80,), (160, 120)),
        fi=("the program hours already completed",),
        other=("duplicate",),
        gain=("better lifting capacity and fewer pain behaviors over the first two weeks",),
        weight=0.3),
    # ---- evaluation and management -------------------------------------------------------
    Treatment(
        "pain_consult", "evaluation", ("pain management consultation", "the referral",
                                       "the consultation"),
        ("Pain management consultation", "Referral to pain management", ("Consultation with "
         "an orthopedic surgeon for the {bp}"), "Spine surgery consultation"),
        (acoem3("Chronic Pain", "Consultation"), Cite(
            "ACOEM", "ACOEM Practice Guidelines, 2nd Edition (2004), Chapter 7", "Independent "
            "Medical Examinations and Consultations", "127", "the ACOEM guidelines")),
        (("referral to a specialist when the diagnosis is uncertain or complex, or when "
         "psychosocial factors are present"),),
        ("consult_question",),
        ("lumbar", "cervical", "shoulder", "knee"),
        other=("duplicate",),
        weight=0.6),
    Treatment(
        "followup", "evaluation", ("the follow-up visit", "office visits", "the follow-ups"),
        ("Follow-up visit with the treating physician", "Office visit follow-up in 4 weeks",
         "{N} follow-up visits", "Orthopedic follow-up visits x{n}"),
        (odg("Office visits", "Pain"),),
        (("office visits based on the patient's concerns, signs and symptoms, clinical "
         "stability and the medications being prescribed"),),
        ("visit_change",),
        qty=Qty("visits", 1, ("one visit at a time, with the need reassessed",), (1,),
                (4, 6, 12)),
        other=("unspecified", "duplicate"),
        weight=0.7),
    Treatment(
        "fce", "evaluation", ("functional capacity evaluation", "the FCE"),
        ("Functional capacity evaluation", "Functional capacity evaluation (FCE)",
         "FCE (functional capacity evaluation)"),
        (acoem3("Chronic Pain", "Functional capacity evaluation"),
         odg("Functional capacity evaluation (FCE)", "Fitness for Duty")),
        (("a functional capacity evaluation when case management is hampered by prior failed "
         "return-to-work attempts or conflicting reports on fitness for duty"),),
        ("rtw_plan",),
        not_rec=("a functional capacity evaluation as a routine screen of general ability",
                 "the evaluation is meant to answer a specific return-to-work question"),
        other=("duplicate",),
        weight=0.7),
    Treatment(
        "uds", "evaluation", ("urine drug screening", "the drug screen", "urine toxicology"),
        ("Urine drug screen", "Urine toxicology screen", ("Retrospective urine drug screen "
         "(DOS {date})")),
        (cp("Drug testing", "43"), cp("Opioids, steps to avoid misuse/addiction", "94-95")),
        (("urine drug screening to assess for illegal drugs or to monitor adherence in "
         "patients on opioids, with frequency set by risk"),),
        ("opioid_monitoring",),
        not_rec=("repeated confirmatory drug testing in a low-risk patient",
                 "low-risk patients need screening no more than once or twice a year"),
        other=("retro_records", "duplicate"),
        weight=0.6),
)

# Services requested with a surgery and decided with it ("Associated surgical service: ...").

# Further statements of a guideline's position on a treatment, beyond what it supports and its
# criteria: background that reviewers add to the guideline passage whatever the item's reasons.
# Each is general (never about the patient), names no finding and never calls the treatment
# itself not recommended, so no label depends on it. Written for this project, in its own
# words, from general knowledge of the guidelines; templates of `fill` ({t}: the treatment).
_OPIOID_NOTES = (
    ("Opioids are [generally |]not [a first-line treatment|the first choice] for chronic "
     "non-malignant pain, and their [continued use|continuation] [depends on|rests on] "
     "[objective|documented] gains in pain and function."),
    ("Before opioids are [started|continued], the [prescriber|treating physician] should "
     "[screen for|assess] the risk of misuse and [agree with the patient on|set out] what the "
     "medication is meant to achieve."),
    ("Patients on long-term opioids [are to|should] be [seen|reassessed] [regularly|at least "
     "every few months], with their pain, activity, side effects and any aberrant "
     "drug-taking behavior reviewed[ at each visit|]."),
    ("If there is no [overall|meaningful] improvement in function, the guidelines "
     "[favor|advise] [tapering|weaning] rather than [continuing|escalating] the opioid[, "
     "unless there are extenuating circumstances|]."),
    ("Daily doses above [90|120] mg morphine equivalents [call for|warrant] [added "
     "caution|particular caution|specialist review]."),
)
_TOPICAL_NOTES = (
    ("Most topical analgesics remain experimental, as few randomized trials have "
     "[tested|established] their safety or efficacy."),
    ("They are [used mainly|intended mainly|meant primarily] for neuropathic pain "
     "[after|once] [trials|courses] of antidepressants and anticonvulsants have "
     "[failed|not helped]."),
    ("[The efficacy of topical agents|Evidence for topical agents] in [clinical trials|studies] "
     "has been inconsistent, and [most|many] [studies|trials] are [small|short] and of "
     "[brief|limited] duration."),
)
_RELAXANT_NOTES = (
    ("Compared with NSAIDs alone, muscle relaxants add little for back pain, and their "
     "effect [wanes|fades] with continued use."),
    ("[Sedation|Drowsiness] and the risk of dependence are [concerns|drawbacks] with "
     "[longer|prolonged] use, so [these agents|they] are [meant|intended] for brief "
     "courses."),
)
_IMAGING_NOTES = (
    ("Most [patients|cases] with [neck or back|spine] [complaints|problems] improve within "
     "[a few weeks|three or four weeks], and [special studies|imaging studies] are "
     "[usually|generally] not needed [in that period|during that time] if there are no red "
     "flags."),
    ("Red flags include [a suspected|possible] fracture, tumor, infection, cauda equina "
     "syndrome or a [rapidly progressing|worsening] neurologic deficit."),
    ("Where neurologic findings are equivocal, [nerve testing|electrodiagnostic studies] "
     "[may help|can help] [before|ahead of] [imaging|an imaging study] is considered."),
    ("Imaging is best kept for patients [who are|being] considered for surgery or [in whom|"
     "where] a red flag condition is suspected."),
)
_XRAY_NOTES = (
    ("Plain films are [not usually|rarely] [needed|helpful] in the first [month|six weeks] "
     "of [symptoms|activity limitation] if no red flags are present."),
    ("Radiographs [may be|can be] [useful|appropriate] after [trauma|a fall] or if "
     "[a fracture|a serious condition] is suspected."),
    ("Red flags include [a suspected|possible] fracture, tumor, infection or a "
     "[rapidly progressing|worsening] neurologic deficit."),
)
_EDX_NOTES = (
    ("Nerve conduction studies and needle EMG are distinct tests, and both are not "
     "[always|necessarily] [required|needed] [to make a diagnosis|in every case]."),
    ("Electrodiagnostic [studies|testing] [can|may] help [localize|identify] the source of "
     "neurologic symptoms and [confirm|establish] focal nerve entrapment, such as carpal "
     "tunnel syndrome, or radiculopathy."),
    ("Testing is [usually|generally] deferred until symptoms have lasted [three to four "
     "weeks|a month] [despite|with] conservative care."),
)
_PT_NOTES = (
    ("Active therapies [are|have been] [found|shown] to do more than passive [modalities|"
     "treatments] [for|in] restoring flexibility, strength, endurance and function."),
    ("Patients are expected to continue [the exercises|active therapies] on their own "
     "[once|after] the [supervised|formal] sessions end."),
    ("[Additional|Further] visits [may be|are] [considered|appropriate] if there is "
     "objective improvement [with|from] the [initial|first] sessions."),
    ("Treatment frequency [should|is to] [fade|taper] [over the course of care|as the "
     "patient progresses], from up to three visits a week to one or less."),
)
_CHIRO_NOTES = (
    ("Manipulation [aims at|is intended to produce] objective gains in function "
     "that [allow|support] progression in an active exercise program."),
    ("For a flare-up, [the success of prior treatment|earlier treatment success] [needs to "
     "be|should be] re-evaluated before [further|more] visits."),
)
_ACU_NOTES = (
    ("Acupuncture [can be|may be] used [alongside|together with] physical rehabilitation or "
     "after surgery to [speed|support] functional recovery."),
    ("Treatments [may be|can be] extended if functional improvement is [documented|shown], "
     "at one to three sessions a week."),
)
_INJECTION_NOTES = (
    ("Epidural injections [offer|give] short-term relief at best and do not [reduce|lower] "
     "the need for surgery [over the long term|in the long run]."),
    ("Repeat blocks [are|should be] based on [at least 50 percent|50 to 70 percent] pain "
     "relief [lasting|for] six to eight weeks with less medication use."),
)
_NSAID_NOTES = (
    ("NSAIDs [are|remain] a [reasonable|common] first option for [back pain|musculoskeletal "
     "pain], but [they|their use] [carry|carries] gastrointestinal, renal and cardiovascular "
     "risks that rise with dose and duration."),
    ("[Long-term|Prolonged] use [calls for|requires] periodic [laboratory monitoring|blood "
     "tests] of renal and liver function[ and blood pressure|]."),
)
_PPI_NOTES = (
    ("[Proton pump inhibitors|PPIs] are not [needed|indicated] for patients taking NSAIDs who "
     "have no [gastrointestinal|GI] risk factors."),
    ("[Long-term|Prolonged] [PPI|proton pump inhibitor] use [has been|is] linked to [hip "
     "fracture|fractures] and other adverse effects, so the need [should|ought to] be "
     "[reassessed|reviewed] [periodically|at intervals]."),
)
_AED_NOTES = (
    ("Antiepilepsy drugs are [a first-line option|first-line] for neuropathic pain, but there "
     "is little evidence for their use in [axial|non-neuropathic] back pain."),
    ("[A good|A meaningful] response is [a 50 percent|a 30 to 50 percent] reduction in pain; "
     "[a lesser|a smaller] response [calls for|may call for] a switch or a combination."),
)
_HYPNOTIC_NOTES = (
    ("[Sleep aids|Hypnotics] are [meant for|intended for] short-term use, as they [can be|are] "
     "habit-forming and may impair [memory and function|function and memory]."),
    ("[The cause of the insomnia|Any underlying cause of the sleep problem] [should|is to] be "
     "[evaluated|addressed] before a sleep medication is [prescribed|continued]."),
)
_TENS_NOTES = (
    ("[Published|Available] trials of TENS are [inconclusive|mixed], and [their|the] results "
     "[differ|vary] with the [condition|diagnosis] treated."),
    ("[During the trial|Over the trial month], [use of the unit|pain relief and function] "
     "[should|are to] be [recorded|documented], along with any change in medication use."),
)
_UDS_NOTES = (
    ("Drug testing [is an option|may be used] to [check for|detect] [illegal drugs|illicit "
     "drugs] and to confirm that [prescribed|the prescribed] medications are being taken."),
    ("How often testing is [repeated|done] [depends on|should match] the patient's [risk of "
     "misuse|risk level], [from|ranging from] yearly for low-risk patients to [monthly|more "
     "often] for high-risk ones."),
)
NOTES: dict[str, tuple[str, ...]] = {
    "naproxen": _NSAID_NOTES, "celecoxib": _NSAID_NOTES, "omeprazole": _PPI_NOTES,
    "gabapentin": _AED_NOTES, "lyrica": _AED_NOTES, "zolpidem": _HYPNOTIC_NOTES,
    "tens": _TENS_NOTES, "uds": _UDS_NOTES,
    "norco": _OPIOID_NOTES, "tramadol": _OPIOID_NOTES, "oxycodone": _OPIOID_NOTES,
    "compound": _TOPICAL_NOTES, "lidoderm": _TOPICAL_NOTES[:2],
    "voltaren_gel": _TOPICAL_NOTES[::2],
    "cyclobenzaprine": _RELAXANT_NOTES, "tizanidine": _RELAXANT_NOTES,
    "baclofen": _RELAXANT_NOTES[1:],
    "mri": _IMAGING_NOTES, "ct": _IMAGING_NOTES[1:], "xray": _XRAY_NOTES, "emg": _EDX_NOTES,
    "pt": _PT_NOTES, "chiro": _CHIRO_NOTES, "acupuncture": _ACU_NOTES, "esi": _INJECTION_NOTES,
}
TREATMENTS = tuple(replace(t, notes=NOTES.get(t.key, ())) for t in TREATMENTS)

ASSOCIATED: dict[str, Treatment] = {t.key: t for t in (
    Treatment("postop_pt", "associated", ("post-operative physical therapy", "the therapy"),
              ("Associated surgical service: Post-operative physical therapy {n} sessions",
               "Post-op physical therapy {freq} times a week for {weeks} weeks",
               "Post-operative physical therapy x{n}"),
              (Cite("MTUS", "MTUS Postsurgical Treatment Guidelines 2009", "", "24-27",
                    "the MTUS Postsurgical Treatment Guidelines"),),
              (("an initial course of postoperative therapy of half the general course, with "
               "more visits when improvement is shown"),),
              ("post_op",),
              qty=Qty("sessions", 12, ("an initial course of 12 visits", ("half of the 24 "
                                       "visits allowed after surgery")), (8, 12), (18, 24)),
              other=("surgery_denied",)),
    Treatment("postop_ot", "associated", ("post-operative occupational therapy",
                                          "hand therapy"),
              (("Associated surgical service: Post-operative occupational therapy {n} "
               "sessions"), "Post-op hand therapy x{n}"),
              (Cite("MTUS", "MTUS Postsurgical Treatment Guidelines 2009", "", "15-16",
                    "the MTUS Postsurgical Treatment Guidelines"),),
              ("3 to 8 visits of therapy over 3 to 5 weeks after carpal tunnel release",),
              ("post_op",),
              qty=Qty("sessions", 4, ("an initial 4 visits, half the 8 allowed",), (4,),
                      (8, 12)), other=("surgery_denied",)),
    Treatment("clearance", "associated", ("medical clearance", ("the pre-operative "
                                          "evaluation")),
              ("Pre-operative medical clearance", ("Associated surgical service: Medical "
               "clearance"), "Medical clearance with internist"),
              (odg("Preoperative testing, general", "Low Back"),),
              (("preoperative evaluation guided by the patient's history and the risk of the "
               "procedure"),), ("post_op",), other=("surgery_denied",)),
    Treatment("ekg", "associated", ("the electrocardiogram", "EKG"),
              ("Pre-operative EKG", "Associated surgical service: EKG", ("Labs to include: "
               "EKG")),
              (odg("Preoperative electrocardiogram (ECG)", "Low Back"),),
              (("a preoperative electrocardiogram for patients at cardiovascular risk or "
               "undergoing higher-risk surgery"),), ("post_op",), other=("surgery_denied",)),
    Treatment("labs_cbc", "associated", ("the laboratory testing", "preoperative labs"),
              ("Labs to include: CBC", "Pre-operative labs: CBC and BMP",
               "Associated surgical service: Complete blood count"),
              (odg("Preoperative lab testing", "Low Back"),),
              ("preoperative laboratory tests guided by the history and examination",),
              ("post_op",), other=("surgery_denied",)),
    Treatment("labs_cmp", "associated", ("the laboratory testing",),
              ("Labs to include: CMP", "Labs to include: PT/INR"),
              (odg("Preoperative lab testing", "Low Back"),),
              ("targeted preoperative laboratory testing",), ("post_op",),
              other=("surgery_denied",)),
    Treatment("labs_pt_ptt", "associated", ("coagulation studies",),
              ("Labs to include: PT/PTT", "Pre-operative coagulation panel"),
              (odg("Preoperative lab testing", "Low Back"),),
              (("coagulation studies for patients with a bleeding history or on "
               "anticoagulants"),), ("post_op",), other=("surgery_denied",)),
    Treatment("chest_xray", "associated", ("the chest radiograph",),
              ("Pre-operative chest X-ray", "Labs to include: Chest X-ray"),
              (odg("Preoperative testing, general", "Low Back"),),
              ("a preoperative chest radiograph for patients with cardiopulmonary disease",),
              ("post_op",), other=("surgery_denied",)),
    Treatment("cold_unit", "associated", ("the cold therapy unit", "cryotherapy"),
              ("Associated surgical service: Cold therapy unit {n} day rental",
               "Post-operative cold therapy unit rental for {n} days"),
              (odg("Continuous-flow cryotherapy", "Knee and Leg"),),
              ("continuous-flow cryotherapy for up to 7 days after surgery",),
              ("post_op",), qty=Qty("days", 7, ("up to 7 days after surgery",), (7,),
                                    (14, 21, 30)), other=("surgery_denied",)),
    Treatment("crutches", "associated", ("crutches",),
              ("Associated surgical service: Crutches", "Crutches for purchase"),
              (odg("Walking aids", "Knee and Leg"),), ("walking aids after knee surgery",),
              ("post_op",), other=("surgery_denied",)),
    Treatment("knee_brace_postop", "associated", ("the post-operative brace",),
              ("Associated surgical service: Hinged knee brace",
               "Post-operative knee brace"),
              (odg("Knee brace", "Knee and Leg"),), ("a brace after ligament repair",),
              ("post_op",), other=("surgery_denied",)),
    Treatment("sling", "associated", ("the sling",),
              ("Associated surgical service: Shoulder sling with abduction pillow",
               "Post-op shoulder immobilizer"),
              (odg("Postoperative abduction pillow sling", "Shoulder"),),
              ("an abduction sling after open repair of large rotator cuff tears",),
              ("post_op",), other=("surgery_denied",)),
    Treatment("wrist_splint", "associated", ("the wrist splint",),
              ("Associated surgical service: Wrist splint", "Post-operative wrist brace"),
              (odg("Splints", "Forearm, Wrist, and Hand"),),
              ("splinting for a short period after release",), ("post_op",),
              other=("surgery_denied",)),
    Treatment("postop_meds", "associated", ("the post-operative medication",),
              ("Post-op Norco 5/325mg #30", "Post-operative Keflex 500mg #20",
               "Post-op Zofran 4mg #10"),
              (cp("Opioids, criteria for use", "76-80"),),
              ("short-term medication after surgery",), ("post_op",),
              other=("surgery_denied",)),
    Treatment("assistant", "associated", ("an assistant surgeon",),
              ("Associated surgical service: Assistant surgeon", "Assistant surgeon"),
              (other("Non-MTUS Citation: American College of Surgeons, Physicians as "
                     "Assistants at Surgery"),),
              ("an assistant surgeon for complex procedures",), ("post_op",),
              other=("surgery_denied",)),
    Treatment("inpatient", "associated", ("the inpatient stay",),
              ("Associated surgical service: Inpatient stay {n} days",
               "Inpatient hospital stay x{n} days"),
              (odg("Hospital length of stay (LOS)", "Low Back"),),
              ("a hospital stay of about 3 days after lumbar fusion",), ("post_op",),
              qty=Qty("days", 3, ("a median stay of 3 days",), (2, 3), (5, 7)),
              other=("surgery_denied",)),
    Treatment("lso_brace", "associated", ("the post-operative back brace",),
              ("Associated surgical service: LSO brace", "Post-operative lumbar brace"),
              (odg("Back brace, post operative (fusion)", "Low Back"),),
              ("a postoperative brace after fusion as an option",), ("post_op",),
              other=("surgery_denied",)),
    Treatment("bone_stim", "associated", ("the bone growth stimulator",),
              ("Associated surgical service: Bone growth stimulator",),
              (odg("Bone growth stimulators (BGS)", "Low Back"),),
              ("bone growth stimulation for patients at risk of failed fusion",),
              ("post_op",), other=("surgery_denied",)),
    Treatment("walker", "associated", ("the walker",),
              ("Associated surgical service: Front-wheeled walker", "Front wheeled walker"),
              (odg("Walking aids", "Knee and Leg"),), ("walking aids after surgery",),
              ("post_op",), other=("surgery_denied",)),
    Treatment("home_health_postop", "associated", ("post-operative home health care",),
              ("Associated surgical service: Home health nursing {n} visits",
               "Post-op home health evaluation and treatment"),
              (cp("Home health services", "51"),),
              ("home health for homebound patients",), ("post_op",),
              other=("surgery_denied",)),
)}


CATALOGUE: dict[str, Treatment] = {t.key: t for t in TREATMENTS}

# The relative frequency of each reason when it applies (close to the real letters, where
# no_indication dominates): used to draw an upheld item's primary reason.
REASON_WEIGHTS: dict[str, float] = {
    "no_indication": 0.5,
    "no_functional_improvement": 0.2,
    "exceeds_guideline_quantity": 0.3,
    "not_recommended": 0.1,
    "other": 0.07,
}


def applicable(t: Treatment) -> dict[str, bool]:
    """Which reasons can ground a denial of this treatment."""
    return {
        "no_indication": bool(t.criteria),
        "no_functional_improvement": bool(t.fi),
        "exceeds_guideline_quantity": t.qty is not None,
        "not_recommended": t.not_rec is not None,
        "other": bool(t.other),
    }


__all__ = [
    "ASSOCIATED",
    "CATALOGUE",
    "CRITERIA",
    "REASON_WEIGHTS",
    "TREATMENTS",
    "Cite",
    "Criterion",
    "Qty",
    "Treatment",
    "applicable",
]
