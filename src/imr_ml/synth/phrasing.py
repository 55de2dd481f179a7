"""Phrasing styles of rationales, as data.

A style is one way a reviewer argues a point. Its id is ``<kind>/<index>``; its family is
``index % 3``. A letter draws every style it uses from one family (one reviewer writing the
whole letter), so that a held-out family measures generalisation to unseen phrasing. The
families share no template: family 0 argues guideline-first and in criteria lists, family 1
from the records and in first-person narrative, family 2 tersely and as questions and
answers.

Each style maps a *ground* to a sequence of steps; a step is a tuple of alternative templates
(``""`` lets a step be skipped). Templates use the slot language of `imr_ml.synth.fill`.
Kinds: the five reason labels (ground ``fail``; ``met`` is the same criterion found
satisfied, used as a hard case inside a denial on another ground), ``other`` (one ground per
kind of "other" reason), ``overturned`` (grounds ``indication``, ``fi``, ``quantity``,
``surgery``), ``conclusion`` (``neg``, ``pos``, ``lead_neg`` verdict-first openings),
``recap`` and ``guideline`` (filler: injury history, the guideline passage).
"""

from __future__ import annotations

from dataclasses import dataclass

Steps = tuple[tuple[str, ...], ...]

REASONS = ("no_functional_improvement", "exceeds_guideline_quantity", "no_indication",
           "not_recommended", "other")
OTHER_GROUNDS = ("surgery_denied", "unspecified", "duplicate", "retro_records", "body_part")
N_FAMILIES = 3


@dataclass(frozen=True)
class Style:
    kind: str
    index: int
    grounds: dict[str, Steps]

    @property
    def id(self) -> str:
        return f"{self.kind}/{self.index}"

    @property
    def family(self) -> int:
        return self.index % N_FAMILIES


# Words a reviewer of each family reaches for: patient, records, provider, connectors.
FAMILY_VOCAB: tuple[dict[str, tuple[str, ...]], ...] = (
    {"pt": ("the patient", "the injured worker"),
     "records": ("the documentation", "the submitted documentation",
                 "the clinical documentation"),
     "prov": ("the treating physician", "the requesting physician"),
     "also": ("Additionally,", "Furthermore,", "In addition,", "Moreover,")},
    {"pt": ("the applicant", "the employee", "the injured worker"),
     "records": ("the progress notes", "the progress reports", "the notes on file"),
     "prov": ("the attending provider", "the primary treating provider"),
     "also": ("Separately,", "Beyond that,", "There is a second problem.",
              "On top of this,")},
    {"pt": ("the claimant", "the patient", "the IW"),
     "records": ("the file", "the chart", "the record"),
     "prov": ("the requesting provider", "the PTP"),
     "also": ("Also,", "And", "Further:", "Plus,")},
)


def _s(kind: str, index: int, **grounds: Steps) -> Style:
    return Style(kind, index, grounds)


STYLES: tuple[Style, ...] = (
    # ================================ recap (filler) =====================================
    _s("recap", 0, any=(
        (("{Pt} is a {age}-year-old {sex} injured at work on {doi}"
         "[ while {mechanism}|]."),
         "{Pt} is a {age}-year-old {sex} with a date of injury of {doi}."),
        ("[The diagnoses include|Current diagnoses include|Diagnoses are documented as] {dx}.",
         ""),
        ("[Treatment to date has included|Prior treatment has consisted of] {history}.",
         ("[To date, treatment has included|Treatment has included] {history}[ and "
         "{pt} {work}|].")),
    )),
    _s("recap", 1, any=(
        (("Per the {visit_date} progress report, {pt} [continued to report|still reported|"
         "complained of ongoing] {complaint}[, rated {pain}/10|]."),
         "At the {visit_date} visit, {pt} [described|reported] {complaint}[ at {pain}/10|]."),
        (("[The notes list|The reports mention] {history} as the care given so far[, and {pt} "
         "{work}|]."),
         "[Earlier care|Care so far] [comprised|took the form of] {history}."),
    )),
    _s("recap", 2, any=(
        ("{Age}-year-old {sex}, injured {doi}[ ({mechanism})|].",
         "DOI {doi}; {age}-year-old {sex}."),
        ("Dx: {dx}.", "[Working|Listed] diagnoses: {dx}."),
        ("Prior care: {history}.", "Tx so far: {history}.", ""),
    )),
    _s("recap", 3, any=(
        (("Clinical summary: {pt} [reports|has] {complaint} [after|following] the {doi} "
         "work injury."),
         "Relevant history: {complaint} since the {doi} injury."),
        (("[the {visit_date} examination documented|examination on {visit_date} showed] "
         "{exam}."),),
        ("[Management so far|Treatment rendered]: {history}.", ""),
    )),
    _s("recap", 4, any=(
        (("This {age}-year-old {occupation} [was hurt at work on {doi}|injured the {bp} at "
         "work on {doi}][ when {mechanism}|]."),),
        ("Since then, [care has included|the care has consisted of] {history}.",
         "[What followed was|Care since has been] {history}."),
        (("When seen on {visit_date}, [the physician recorded|the provider noted] {exam}"
         "[, and {pt} {work}|]."), ""),
    )),
    _s("recap", 5, any=(
        (("What is the history? [{Pt}, {age}, has|The {age}-year-old has] {complaint} since a "
         "{doi} injury, treated with {history}."),
         "Background? {Complaint} after a {doi} injury; treated with {history}."),
        ("What did the last exam show? {Exam}.", ""),
    )),
    # ============================= guideline passage (filler) ============================
    _s("guideline", 0, any=(
        ("[According to|Per] {src}, there is support for {supports}.",
         "{Src} [recommend|support] {supports}."),
    )),
    _s("guideline", 1, any=(
        ("The guideline relied on here, {src}, [endorses|allows for] {supports}.",
         "What {src} [endorses|allows] is {supports}."),
    )),
    _s("guideline", 2, any=(
        ("Guideline ({src}): {supports}.", "Standard: {supports} ({src})."),
    )),
    _s("guideline", 3, any=(
        ("{Src} [set out|list] the conditions for {t}, [namely|that is,] {supports}.",
         "[Applicable standard|Governing standard] under {src}: {supports}."),
    )),
    _s("guideline", 4, any=(
        (("[In weighing this request|For this request], I [reviewed|consulted] {src}, which "
         "[describe|lay out] {supports} as the accepted approach."),
         "I have applied {src}, whose [position|approach] is {supports}."),
    )),
    _s("guideline", 5, any=(
        ("What does the guideline say? {Src} [support|allow] {supports}.",
         "Guideline position? {Supports}."),
    )),
    # ============================== no_indication ========================================
    _s("no_indication", 0, fail=(
        (("[The guidelines|Guidelines|{Src}] [support|recommend] {t} [for patients with|in the "
         "presence of|when there is] {need}."),),
        (("[However, there is no documentation of|In this case, however, there is a lack of "
         "documentation of|Here, the documentation does not establish] {missing}."),
         ("[However,|In this case,] {records} [does not establish|fails to document] "
         "{missing}.")),
        (("[Therefore|As a result], the [clinical ]indication for {t} has not been "
         "established."), "[?There is no clear clinical rationale for {t} at this time.]"),
    ), met=(
        (("The [clinical ]indication [itself ]is documented: {records} [shows|describes] "
         "{found}."),),
    )),
    _s("no_indication", 1, fail=(
        (("The [submitted|available] {records_noun} [describe|document] {complaint}[ and "
         "{exam_brief}|], but they do not [describe|mention|record] {missing}."),
         ("Reading {records}, {pt} has {complaint}[ with {exam_brief}|]; nowhere is there "
         "[mention|any account] of {missing}.")),
        (("{Src} [tie|link] {t} to {need}, [and that threshold is not met here|a standard the "
         "file does not meet]."),
         "[That matters because|This matters, since] {t} is [reserved for|meant for] {need}."),
    ), met=(
        (("{Records} [show|record] {found}, [which is|and this is] the kind of "
         "finding the guideline [asks for|looks for]."),),
    )),
    _s("no_indication", 2, fail=(
        ("Indication not established: [no documentation of|nothing recorded on] {missing}.",
         "[Missing|Not documented]: {missing}."),
        ("Required: {need}.", ""),
    ), met=(
        ("Indication documented ({found}).",),
    )),
    _s("no_indication", 3, fail=(
        ("[Criteria for {t} include|The criteria for {t} are] {need}[ and {need2}|].",),
        (("[Criterion not met|This criterion is not met|This is not satisfied]: {records} "
         "[contains no|lacks any] [description|evidence|record] of {missing}."),),
        ("[?The second criterion, documentation of {missing2}, is also [absent|not met].]",),
    ), met=(
        ("Indication criterion met: {found}.",),
    )),
    _s("no_indication", 4, fail=(
        (("I [looked for|searched the file for] [evidence of|an account of] {missing} [and "
         "found none|without success]."),
         "I could not find [any evidence of|a word about] {missing} in what was sent."),
        (("[The latest examination, on {visit_date}, records only|The most recent visit "
         "describes only] {exam_brief}."), ""),
        (("[Absent|Without] {need}, I see no [sound|clear] clinical reason for {t} [at this "
         "point|now]."),),
    ), met=(
        ("To be fair to the request, I did find {found} in the notes.",),
    )),
    _s("no_indication", 5, fail=(
        (("Is there [evidence|documentation] of {missing}? [No|Not in the records provided|"
         "None is described]."),),
        (("Is there [a stated|any] rationale for {t}? [None is given|The request form does "
         "not give one|Not that the file shows]."), ""),
        ("Does the guideline [require|expect] {need}? Yes.", ""),
    ), met=(
        ("Is the indication shown? Yes: {found}.",),
    )),
    # ========================= no_functional_improvement =================================
    _s("no_functional_improvement", 0, fail=(
        (("[Continued|Ongoing|Further] {t} [is|should be] [contingent on|dependent on] "
         "[documented|demonstrated] objective functional improvement [from|with] {fi_prior}."),
         ""),
        (("[There is no documentation of|The documentation does not show] [quantified|"
         "measurable] [objective functional improvement|functional gains][, such as "
         "{measure},|] [with|from] {fi_prior}."),
         ("There is no indication that {t} is improving {pt_poss} function[ or pain]"
         "§fi_indication_wording§."),
         ("[There is no indication|Nothing indicates] that {fi_prior} [has improved|is "
         "improving] function[ or reduced pain]§fi_indication_wording§.")),
    ), met=(
        (("Documentation of objective functional improvement [with|from] {fi_prior} is "
         "provided: {gain}."),),
    )),
    _s("no_functional_improvement", 1, fail=(
        (("The notes confirm that {pt} [has already completed|has been through|has been on] "
         "{fi_prior}, [yet|but] they [record|give] no [measurable|objective] [change|gain] in "
         "{measure}."),),
        (("[Pain scores are unchanged and the work status is the same|The work status has not "
         "changed and the pain ratings are what they were]{pain_since}."), ""),
    ), met=(
        ("{Records} record a benefit from {fi_prior}: {gain}.",),
    )),
    _s("no_functional_improvement", 2, fail=(
        ("Prior {t}: no objective functional benefit documented.",
         "No functional improvement shown with {fi_prior}."),
        ("No change in {measure}.", ""),
    ), met=(
        ("Functional benefit from {fi_prior} documented ({gain}).",),
    )),
    _s("no_functional_improvement", 3, fail=(
        (("[Continuation criteria|Criteria for continuing {t}] [call for|require] (1) "
         "[a quantified reduction in pain|reduced pain], (2) [improved function|functional "
         "gains] and (3) [less reliance on medical care|reduced dependence on treatment]."),),
        (("[None of these has been documented|These are not documented] [with|after] "
         "{fi_prior}."),
         ("Criterion not met: {records} [does not|fails to] [quantify|report] any of the "
         "three after {fi_prior}.")),
    ), met=(
        ("Continuation criteria met: {gain} with {fi_prior}.",),
    )),
    _s("no_functional_improvement", 4, fail=(
        (("[Despite|In spite of] {fi_prior}, {pt} [is still described as|remains] [off "
         "work|on temporary total disability|on the same restrictions], and {prov} [does not "
         "quantify|never quantifies] [any|what] benefit [has been|was] obtained."),),
        (("[Without evidence that the earlier treatment made a difference|Lacking proof that "
         "the earlier treatment helped], [more of the same|continuing it] [is hard to "
         "justify|cannot be justified]."),),
    ), met=(
        ("I accept that {fi_prior} has helped: the notes describe {gain}.",),
    )),
    _s("no_functional_improvement", 5, fail=(
        (("Has {fi_prior} produced functional improvement? [The file does not show it|Not "
         "documented|Nothing objective is recorded]."),),
        ("[Any|Is there a] reduction in {measure}? [None recorded|Not reported].", ""),
    ), met=(
        ("Has the earlier treatment helped? Yes: {gain}.",),
    )),
    # ========================= exceeds_guideline_quantity ================================
    _s("exceeds_guideline_quantity", 0, fail=(
        ("[The guidelines|{Src}] [support|recommend] {allowed} [for {t}|].",
         "[Guidelines|{Src}] [allow for|support] [up to |]{allowed}."),
        (("The request for {requested}{excess_clause} [exceeds|is in excess of] [this|the "
         "guideline] [recommendation|limit]{nomod}."),),
    ), met=(
        (("The [quantity|amount] requested, {requested}, [is within|does not exceed] the "
         "guideline [recommendation|limit] of {allowed}§within_quantity§."),),
    )),
    _s("exceeds_guideline_quantity", 1, fail=(
        ("The [request|order] is for {requested}{excess_clause}.",),
        (("[That is more than|This goes beyond] what the [guideline|MTUS] [allows|"
         "contemplates], which is {allowed}."),),
    ), met=(
        (("The {requested} asked for [sits within|is inside] the guideline allowance "
         "({allowed})§within_quantity§."),),
    )),
    _s("exceeds_guideline_quantity", 2, fail=(
        ("Quantity requested ({requested}) exceeds guideline ({allowed}).",
         ("Exceeds recommended [quantity|duration]: {requested}{excess_clause} [vs|versus] "
         "{allowed}.")),
    ), met=(
        ("Quantity within guideline ({requested}; {allowed})§within_quantity§.",),
    )),
    _s("exceeds_guideline_quantity", 3, fail=(
        ("[Quantity criterion|Duration criterion|Quantity limit]: {allowed}.",),
        ("[Requested|Requested here]: {requested}{excess_clause}.",),
        ("[The request does not meet this criterion|This criterion is not met].",),
    ), met=(
        ("Quantity criterion met: {requested} against {allowed}§within_quantity§.",),
    )),
    _s("exceeds_guideline_quantity", 4, fail=(
        (("[Even if|Were] {t} otherwise [appropriate|justified], the [amount|number] "
         "[asked for|requested] would still be [too large|excessive]: {requested}"
         "{excess_clause}, [against|compared with] {allowed}."),),
        ("[?I do not see a reason in the notes to go beyond that.]",),
    ), met=(
        (("I have no concern about the amount: {requested} is within {allowed}"
         "§within_quantity§."),),
    )),
    _s("exceeds_guideline_quantity", 5, fail=(
        (("Is the [quantity|amount] within guidelines? No; {requested}{excess_clause} "
         "[versus|against] {allowed}."),),
        ("Any reason to exceed it? [None given|None documented].", ""),
    ), met=(
        ("Is the quantity within guidelines? Yes ({requested})§within_quantity§.",),
    )),
    # ============================== not_recommended ======================================
    _s("not_recommended", 0, fail=(
        ("{Src} [state|indicate] that {nr_subject} is not recommended[, as {nr_why}|].",
         "[The guidelines|{Src}] do not recommend {nr_subject}[, as {nr_why}|]."),
    )),
    _s("not_recommended", 1, fail=(
        ("[What is requested here|This request] [falls under|amounts to] {nr_subject}.",),
        (("[That practice is not endorsed by {src}|The guideline does not endorse that "
         "practice], [because|since] {nr_why}."),),
    )),
    _s("not_recommended", 2, fail=(
        ("Not recommended: {nr_subject}.", "Guideline: {nr_subject} - not recommended."),
        ("[Reason|Basis]: {nr_why}.", ""),
    )),
    _s("not_recommended", 3, fail=(
        ("[Recommendation status|Guideline status] of {nr_subject}: not recommended.",),
        ("[Basis given|Stated basis]: {nr_why}.",),
    )),
    _s("not_recommended", 4, fail=(
        (("I would point out that {nr_subject} [has no place in|is outside] the [recommended|"
         "accepted] care of this condition under {src}; {nr_why}."),),
    )),
    _s("not_recommended", 5, fail=(
        ("Does the guideline recommend {nr_subject}? No[, because {nr_why}|].",),
    )),
    # ================================== other ============================================
    _s("other", 0,
       surgery_denied=(
           (("[As|Since|Because] the [requested|primary] surgical procedure has not been found "
            "medically necessary, [the associated service|this associated request] is "
            "[likewise not necessary|also not supported]."),),),
       unspecified=(
           (("The request does not specify [the quantity|the number of sessions|the frequency "
            "and duration], and [guidelines|{src}] [do not support|cannot support] an "
            "open-ended request."),),),
       duplicate=(
           (("This request [duplicates|repeats] one [already certified|already decided] "
            "[on {ur_date}|earlier in the review], and no new information supports a second "
            "approval."),),),
       retro_records=(
           (("Records for the date of service of {dos} were not provided, so the "
            "retrospective request cannot be assessed."),),),
       body_part=(
           (("The request does not [state|specify] [which body part|the body region] is to be "
            "treated[, and several injured regions are listed|]."),),),
       ),
    _s("other", 1,
       surgery_denied=(
           (("The [operation|surgery] this service was meant to support has [been denied|not "
            "been approved] in this same review."),),
           (("[With no surgery going ahead|Without the surgery], there is nothing for "
            "{t} to support."), ""),),
       unspecified=(
           (("Nowhere in {records} is the [amount|number of visits|duration] spelled out, "
            "which leaves the request open-ended."),),),
       duplicate=(
           (("{Records} show that the same {t} was [already approved|approved "
            "earlier] for this period; a second order [adds nothing|is redundant]."),),),
       retro_records=(
           (("The note from {dos}, the date the retrospective request covers, is not in the "
            "file."),),),
       body_part=(
           (("The order is silent on the body part[, and the notes describe pain in several "
            "regions|]."),),),
       ),
    _s("other", 2,
       surgery_denied=(
           ("Surgery non-certified; associated service [therefore |]not needed.",),),
       unspecified=(
           ("Quantity not specified.",
            "Request incomplete (no quantity or duration)."),),
       duplicate=(
           ("Duplicate request.", "Already certified on {ur_date}."),),
       retro_records=(
           ("No records for DOS {dos}.",),),
       body_part=(
           ("Body part not specified.",),),
       ),
    _s("other", 3,
       surgery_denied=(
           (("Dependency criterion: this service follows the surgery; the surgery is "
            "non-certified; criterion not met."),),),
       unspecified=(
           (("Completeness criterion: a request must state quantity and duration; "
            "not met."),),),
       duplicate=(
           ("Duplication check: the same service is already authorized; not met.",),),
       retro_records=(
           ("Records criterion: documentation for DOS {dos}; not provided.",),),
       body_part=(
           ("Specificity criterion: the body region must be named; not met.",),),
       ),
    _s("other", 4,
       surgery_denied=(
           ("I have found the surgery itself unsupported, so I cannot support {t} either.",
            ("My decision on the surgery settles this item as well: with the procedure "
            "denied, {t} has no purpose.")),),
       unspecified=(
           ("I cannot judge a request whose [quantity|length] is left unstated.",),),
       duplicate=(
           (("I note this exact service was [already granted|approved before], so I see no "
            "role for a second authorization."),),),
       retro_records=(
           (("I was not given the records for {dos}, and I cannot judge a past service "
            "without them."),),),
       body_part=(
           ("I cannot tell which part of the body this is for.",),),
       ),
    _s("other", 5,
       surgery_denied=(
           ("Is the surgery approved? No. Is this service needed without it? No.",),),
       unspecified=(
           ("How many [sessions|units] are requested? Not stated.",),),
       duplicate=(
           ("Was this already authorized? Yes, on {ur_date}.",),),
       retro_records=(
           ("Are records for DOS {dos} available? No.",),),
       body_part=(
           ("Which body part? Not stated.",),),
       ),
    # ================================ overturned =========================================
    _s("overturned", 0,
       indication=(
           (("[The guidelines|{Src}] [support|recommend] {t} [for patients with|when there "
            "is] {need}."),),
           ("[In this case|Here], {records} [establishes|shows] {found}§criterion_met§.",),),
       fi=(
           (("[The guidelines|{Src}] require documented functional improvement [before {t} "
            "is continued|to continue {t}]."),),
           ("[Here|In this case], {records} [describes|reflects] {gain}§criterion_met§.",),),
       quantity=(
           (("The request for {requested} [falls within|is within|does not exceed] the "
            "guideline recommendation of {allowed}§within_quantity§."),),),
       surgery=(
           (("The [associated|related] surgery has been found appropriate, and this service "
            "is a standard part of [perioperative|postoperative] care."),),),
       ),
    _s("overturned", 1,
       indication=(
           ("{Records} [describe|document] {found}.",),
           (("That [meets|satisfies] the [guideline|MTUS] [condition|requirement] of "
            "{need}§criterion_met§."),),),
       fi=(
           (("[Looking at|Reading] {records}, the earlier {t} has [clearly helped|paid off]: "
            "{gain}§criterion_met§."),),
           ("That is the functional response the guideline [looks for|asks for].",),),
       quantity=(
           (("The {requested} ordered [sits within|is inside] the guideline allowance of "
            "{allowed}§within_quantity§."),),),
       surgery=(
           (("The surgery this goes with has been approved in this review, so {t} is "
            "needed to carry it out safely."),),),
       ),
    _s("overturned", 2,
       indication=(
           ("Indication: {found}§criterion_met§.",),
           ("Meets guideline ({need}).", ""),),
       fi=(
           ("Prior {t}: documented benefit ({gain})§criterion_met§.",),),
       quantity=(
           ("Quantity within guideline ({requested})§within_quantity§.",),),
       surgery=(
           ("Surgery certified; associated service appropriate.",),),
       ),
    _s("overturned", 3,
       indication=(
           ("[Criteria for {t}|The criteria]: {need}.",),
           ("Criterion met: {found}§criterion_met§.",),),
       fi=(
           ("Continuation criterion: objective functional improvement.",),
           ("Criterion met: {gain}§criterion_met§.",),),
       quantity=(
           (("Quantity criterion: {allowed}; requested {requested}; met"
            "§within_quantity§."),),),
       surgery=(
           ("Dependency criterion: the surgery is certified; met.",),),
       ),
    _s("overturned", 4,
       indication=(
           (("I went through the notes with {need} in mind, and [the picture fits|it is "
            "there]: {found}§criterion_met§."),),),
       fi=(
           (("I was [persuaded|satisfied] that the earlier {t} worked, since the notes "
            "describe {gain}§criterion_met§."),),),
       quantity=(
           (("[Nor|And] is the amount a concern; {requested} [stays within|is within] "
            "{allowed}§within_quantity§."),),),
       surgery=(
           ("Having approved the surgery, I also consider {t} reasonable.",),),
       ),
    _s("overturned", 5,
       indication=(
           ("Is {need} documented? Yes: {found}§criterion_met§.",),),
       fi=(
           ("Did the earlier {t} help? Yes: {gain}§criterion_met§.",),),
       quantity=(
           ("Within the guideline amount? Yes ({requested})§within_quantity§.",),),
       surgery=(
           ("Is the surgery approved? Yes, so this service follows.",),),
       ),
    # ================================ conclusion =========================================
    _s("conclusion", 0,
       neg=((("[Therefore|As such|Thus], the request for {item_ref} is not "
             "medically necessary."),
             ("[All considered|For these reasons], the request is not medically "
             "necessary or appropriate.")),),
       pos=((("[Therefore|As such|Thus], the request for {item_ref} is medically "
             "necessary."),),),
       lead_neg=(("The request for {item_ref} is not medically necessary.",),),
       ),
    _s("conclusion", 1,
       neg=((("[Accordingly|For these reasons], {item_ref} cannot be recommended as medically "
             "necessary§unusual_conclusion§."),
             ("[Accordingly|On this record], the request for {item_ref} was not medically "
             "necessary.")),),
       pos=((("[Accordingly|For these reasons], medical necessity is established[ for "
             "{item_ref}|]§unusual_conclusion§."),
             ("[Accordingly|On this record], the request for {item_ref} was medically "
             "necessary.")),),
       lead_neg=(("The request for {item_ref} was not medically necessary.",),),
       ),
    _s("conclusion", 2,
       neg=(("Request non-certified§unusual_conclusion§.",
             "The request is not supported."),),
       pos=(("Request certified§unusual_conclusion§.", "The request is supported."),),
       lead_neg=(("Not supported.",),),
       ),
    _s("conclusion", 3,
       neg=((("Because the criteria above are not met, medical necessity has not been "
             "established, and the request is non-certified§unusual_conclusion§."),
             "With the criteria above unmet, {item_ref} is not medically necessary."),),
       pos=((("With the criteria above met, the request is medically necessary and "
             "appropriate."),),),
       lead_neg=(("Determination: {item_ref} is not medically necessary.",),),
       ),
    _s("conclusion", 4,
       neg=(("In my opinion, {item_ref} is not medically necessary[ at this time|].",
             ("I therefore cannot recommend {item_ref} as medically necessary"
             "§unusual_conclusion§.")),),
       pos=(("In my opinion, {item_ref} is medically indicated.",
             "I therefore find {item_ref} medically necessary§unusual_conclusion§."),),
       lead_neg=(("No, {item_ref} is not medically necessary.",),),
       ),
    _s("conclusion", 5,
       neg=(("Answer: not medically necessary§unusual_conclusion§.",
             "Is the request medically necessary? No; it is not medically necessary."),),
       pos=(("Answer: medically necessary§unusual_conclusion§.",
             "Is the request medically necessary? Yes; it is medically necessary."),),
       lead_neg=(("Medically necessary? No.",),),
       ),
)

BY_ID: dict[str, Style] = {s.id: s for s in STYLES}
KINDS = tuple(dict.fromkeys(s.kind for s in STYLES))


def styles_of(kind: str, family: int | None = None) -> tuple[Style, ...]:
    """The styles of a kind, optionally only those of one family."""
    return tuple(s for s in STYLES if s.kind == kind and (family is None or
                                                          s.family == family))


def family_of(style_id: str) -> int:
    """The family of a style id such as ``"no_indication/4"`` (index modulo 3)."""
    return int(style_id.rsplit("/", 1)[1]) % N_FAMILIES
