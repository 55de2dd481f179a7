"""Phrasing styles of rationales, as data.

A style is one way a reviewer argues a point. Its id is ``<kind>/<index>``; its family is
``index % 3``. A letter draws every style it uses from one family (one reviewer writing the
whole letter), so that a held-out family measures generalisation to unseen phrasing. The
families share no template, only the medical content they cite (criteria, findings present
or missing, quantities, prior benefit, from `imr_ml.corpus.synth.catalogue`): family 0 writes in the
formal guideline-first register, family 1 in a long narrative register about the applicant
and the attending provider, family 2 plainly and from the case. No family answers checklist
questions or writes "criterion met": real reviewers argue in prose.

Each style maps a *ground* to a sequence of steps; a step is a tuple of alternative templates
(``""`` lets a step be skipped) that writes one sentence of one *role*: ``guideline`` (what a
guideline says or recommends), ``history`` (the request, the patient's course, prior
treatment), ``finding`` (what the reviewer finds in this patient's records) or
``conclusion`` (the verdict). A plain tuple takes its kind's role (`KIND_ROLES`); `G`, `H`,
`F` and `C` mark a step of another role. Templates use the slot language of
`imr_ml.corpus.synth.fill`.

Kinds: the five reason labels (ground ``fail``: the finding sentences only, since the
guideline passage restates the criteria of every reason whatever the labels; ``brief``: one
finding that can sit among history sentences; ``met`` is the same criterion found
satisfied, used as a hard case inside a denial on another ground), ``other`` (one ground per
kind of "other" reason), ``overturned`` (grounds ``indication``, ``fi``, ``quantity``,
``surgery``), ``conclusion`` (``neg``, ``pos``; ``lead_neg``/``lead_pos`` verdict-first
openings), ``recap`` (history: ``any``, the request, prior treatment, the course),
``guideline`` (the guideline passage: ``any``, and one ground per criterion it may restate:
``indication``, ``quantity``, ``fi``, with its ``caveat`` and ``unaddressed`` sentences) and
``closing`` (upheld: no exceptional factors).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

ROLES = ("guideline", "history", "finding", "conclusion")
N_FAMILIES = 3


class Step(tuple[str, ...]):
    """Alternative templates of one sentence; `role` None means the role of the style's kind."""

    role: str | None = None


def _step(role: str) -> Callable[..., Step]:
    def make(*templates: str) -> Step:
        step = Step(templates)
        step.role = role
        return step
    return make


G, H, F, C = (_step(r) for r in ROLES)
Steps = tuple[tuple[str, ...], ...]

# The role of a step that does not say otherwise.
KIND_ROLES = {"recap": "history", "guideline": "guideline", "conclusion": "conclusion",
              "not_recommended": "guideline"}


def role_of(kind: str, step: tuple[str, ...]) -> str:
    """The role of the sentence a step writes."""
    return getattr(step, "role", None) or KIND_ROLES.get(kind, "finding")


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
    {"pt": (*("the patient",) * 6, "the injured worker"),
     "records": ("the submitted documentation", "the documentation submitted for review",
                 "the documentation provided", "the clinical documentation",
                 "the available documentation", "the submitted medical documentation"),
     "prov": ("the treating physician", "the requesting physician", "the physician"),
     "also": (*("Additionally,",) * 4, "Furthermore,", "In addition,", "Moreover,", "Also,")},
    {"pt": ("the applicant", "the patient", "the patient", "the employee"),
     "records": ("the attending provider's progress notes", "the documentation on file",
                 "the treating physician's reports", "the documentation"),
     "prov": ("the attending provider", "the treating physician"),
     "also": ("Moreover,", "Similarly,", "It is further noted that", "Also,", "Additionally,")},
    {"pt": (*("the patient",) * 5, "the claimant"),
     "records": ("the medical records provided", "the documentation", "the documentation provided",
                 "the documentation reviewed"),
     "prov": ("the requesting physician", "the treating physician", "the provider"),
     "also": ("Also,", "Further,", "Additionally,", "In addition,")},
)


def _s(kind: str, index: int, **grounds: Steps) -> Style:
    return Style(kind, index, grounds)


# Family 0 argues guideline-first, in the formal register of most reviewers ("The guidelines
# recommend ... However, there is a lack of documentation of ..."); family 1 in a long
# narrative register about the applicant and the attending provider ("Here, however, the
# attending provider's note made no mention of ..."); family 2 plainly and from the case
# ("The patient has ... The notes do not show ..."). All three cite the same medical
# content: criteria, findings present or missing, guideline quantities, prior benefit.
STYLES: tuple[Style, ...] = (
    # ================================ recap (history) ====================================
    _s("recap", 0, detail=(
        (("The [most recent|latest] [progress report|clinical note] [documented|indicated] "
          "{complaint}[ rated {pain}/10|] with {exam}."),
         ("[Current medications|The current medication regimen] [consisted of|were] "
          "{meds}[, and {pt} {work}|]."),),
        ("Prior treatment [has included|included] {history}[ with [limited|temporary] relief|].",
         ""),
    ), any=(
        (("[According to|According to|Based on|Per] {records}, {pt} [reported|had|continued to report] "
          "[continued |ongoing |persistent |]{complaint}[ rated {pain}/10|||]."),
         ("{Pt} [sustained a work-related injury|was injured at work] on {doi}[ while "
          "{mechanism}|] and [is being treated for|has a diagnosis of] {dx}."),
         ("{Pt} [is being treated for|has ongoing symptoms of] {dx}[ after a work injury on "
          "{doi}| following the injury of {doi}| related to the {doi} injury|]."),
         "[The patient's|The] [symptoms|complaints] [consisted of|were] {complaint}."),
        (("[The physical examination [noted|documented]|The most recent [physical "
          "examination|exam] [revealed|documented]|Objective findings included] {exam}."), "", "",
         "",
         ("[Prior treatment has included|{Pt} has previously been treated with|Previous "
          "treatments were|Care to date has included] {history}.")),
    ), request=(
        ("The [physician|provider] [requested|is requesting] {t}[ at this time|].",
         "[A request was made|The provider submitted a request] for {t}[ on {visit_date}|].",
         "The treatment plan was to [continue with|begin|proceed with] {t}.", ""),
    ), prior=(
        ("[According to|According to|Based on|Per] {records}, {pt} {prior_use}.",
         "{Pt} {prior_use}[ prior to this request|].", "The documentation indicated that {pt} {prior_use}."),
    ), course=(
        (("[The|{Pt}'s] current [medication regimen|medications] [consisted of|were] "
          "{meds}."),
         ("[An|A prior] [MRI|imaging study|x-ray] [was obtained|was performed] [previously|"
          "in the past][; the results were [not provided|not discussed]|]."),
         ("[An|A prior] MRI of the {bp} [was reported to show|reportedly showed] [mild "
          "degenerative changes|no acute findings|a small disc bulge][ without nerve root "
          "compromise|]."),
         "[Regarding work status,|As to work status,] {pt} {work}."),
    )),
    _s("recap", 1, detail=(
        (("The attending provider's narrative, it was further noted, recounted {complaint} "
          "and {exam}."),),
        ("Earlier care had, it was stated, comprised {history}.", ""),
    ), any=(
        (("{Pt}, a {age}-year-old {occupation}, has [filed a claim for|alleged] an industrial "
          "injury of {doi}[, reportedly sustained while {mechanism}|]."),
         ("On the {visit_date} office visit at issue, {pt} reported {complaint}[, rated "
          "{pain}/10|][, and it was noted that {pt} {work}|].")),
        (("The attending provider's {visit_date} progress note described {complaint}[ "
          "despite earlier {history}|]."), ""),
    ), request=(
        (("The attending provider [sought|went on to seek] authorization for {t} on that "
          "date[, it was stated|]."),
         "{T} was, it was reported, [sought|requested] on or around {visit_date}."),
    ), prior=(
        ("{Pt}, it was acknowledged, {prior_use}.",
         "It was stated that {pt} {prior_use}."),
    ), course=(
        (("{Pt} was, it was further noted, [using|given] {meds} as of that date."),
         "It was not clearly stated whether {pt} was working or not.",
         "{Pt}'s [work status|work and functional status] was not clearly reported."),
    )),
    _s("recap", 2, detail=(
        ("The [exam|examination] [showed|revealed] {exam}.", "{Pt} reports {complaint} at {pain}/10."),
        ("{Pt} takes {meds}.", "Prior care includes {history}.", ""),
    ), any=(
        (("{Pt} is a {age}-year-old {sex} who [was injured|sustained an injury] on {doi}[ while "
          "{mechanism}|]."),
         "{Pt} has {complaint} [after an injury on|with a date of injury of] {doi}.",
         "{Pt} has {complaint}[ and is being treated for {dx}|].",
         "This {age}-year-old {occupation} [was injured|sustained an industrial injury] on {doi}."),
        ("[Diagnoses are|The diagnoses are] {dx}.", ""),
        ("[Treatment has been|Care to date has been] {history}.", ""),
    ), request=(
        ("{Prov} [is requesting|has requested] {t}.", "{Prov} requested {t}."),
    ), prior=(
        ("{Pt} {prior_use}.",),
    ), course=(
        ("Pain is rated {pain}/10.", "{Pt} takes {meds}.", "{Pt} {work}."),
    )),
    _s("recap", 3, detail=(
        (("The clinical information [indicated|noted] that {pt} [continued to complain of|"
          "reported] {complaint}."),
         "On the most recent examination there was {exam}."),
        ("{Pt} {work} at this time.", "[Medications|The medications] listed were {meds}.", ""),
    ), any=(
        ("{Pt} [has|had] [a history of|ongoing] {complaint}[ following an injury on {doi}|].",
         ("The [clinical notes|documentation] [indicate|show] that {pt} [has|had] {complaint}[ related to "
          "{dx}|]."),
         "In [the|this] case, {pt} [is being seen for|was evaluated for] {dx}."),
        ("[Examination findings|The exam] [included|showed] {exam}.", "", ""),
    ), request=(
        ("[A|This] [request|referral] [is|has been submitted] for {t}.",
         "The [physician|treating provider] [recommended|ordered] {t}.", ""),
    ), prior=(
        ("[The records indicate|It is noted|The notes indicate] that {pt} {prior_use}.",
         "{Pt} {prior_use}, [as documented|as noted by the provider]."),
    ), course=(
        ("[Medications|The medications] [listed|noted] [were|included] {meds}.",
         ("{Pt} had been approved for [earlier care|prior treatment|a course of therapy] "
          "[of|for] this [condition|injury]."),
         "It was [noted|reported] that {pt} {work}."),
    )),
    _s("recap", 4, detail=(
        ("The {visit_date} note also recounted {exam} and ongoing usage of {meds}.",),
    ), any=(
        (("The attending provider's [handwritten |]{visit_date} note [described|recounted] "
          "{complaint} in {pt}, who {work}."),),
        (("[Earlier care|Treatment over the course of the claim] [had included|had "
          "comprised] {history}[, it was reported|]."), ""),
        (("[An examination on that date was notable for|Examination on that date was "
          "notable for] {exam}."), ""),
    ), request=(
        ("The request for {t}, it was stated, was made on {visit_date}.",),
    ), prior=(
        ("The applicant {prior_use}, it was reported.",
         "The attending provider noted that {pt} {prior_use}."),
    ), course=(
        ("{Pt} was, as of that date, using {meds}.",
         "Pain complaints of {pain}/10 were reported on that date."),
    )),
    _s("recap", 5, detail=(
        ("The latest note lists {complaint} and {exam}.",),
    ), any=(
        (("[In the case of this worker|Regarding this case], {pt} [has|reports] {complaint} "
          "[following a {doi} injury|after an injury on {doi}]."),),
        ("The {visit_date} exam [shows|revealed] {exam}.", ""),
        ("{Pt} {work}.", ""),
    ), request=(
        ("{T} was requested on {visit_date}.", "The request at issue is for {t}."),
    ), prior=(
        ("The documentation [indicates|notes] that {pt} {prior_use}.",),
    ), course=(
        ("Medications are {meds}.", "The diagnoses listed are {dx}."),
    )),
    # ============================= guideline passage =====================================
    # Each criterion ground is restated whatever the item's reasons, as reviewers restate the
    # guideline's whole position: only the findings tell the reasons apart.
    _s("guideline", 0, any=(
        ("{Src} [recommend|support] {supports}.",
         "[According to|According to|Per] {src}, {supports} [is|are] recommended.",
         "{Src} [state|indicate] {supports} [is|are] recommended[ as an option|].",
         "[As per|Per] {src}, {supports} may be [recommended|considered]."),
    ), indication=(
        ("{Src} recommend {t} [in patients with|when there is|where there is] {need}.",
         ("[According to|According to|Based on|Per] {src}, {t} is [recommended|appropriate] [in patients with|for] "
          "{need}."),
         "{T} [is|may be] [recommended|considered] [in patients with|when there is] {need}."),
    ), quantity=(
        ("{Src} recommend {allowed}[ for {t}|].",
         ("[According to|According to|Based on|Per] {src}, the recommended [amount|duration|frequency] [is|would "
          "be] {allowed}."),
         "{Src} [state|specify that] {t} [is recommended for|should be limited to] {allowed}."),
    ), fi=(
        (("[Continued|Ongoing|Further|Additional] {t} [is|should be] [contingent upon|based "
          "on] [objective functional improvement|evident improvement in pain and function|"
          "a clear response] [from|with] {fi_prior}."),
         ("{Src} recommend [continued|further|additional] {t} [only |]when there is "
          "[documented|objective] [functional improvement|improvement in function and pain]"
          "[ with prior treatment|].")),
    ), extra=(
        (("Treatment [should be|is to be] [individualized|tailored] to the [patient's|individual] "
          "[clinical presentation|condition] and [re-evaluated|reviewed] {review}."),
         ("{Src} [also |]indicate {t} [works best|is most effective|is indicated] "
          "[together with|in conjunction with|as part of a program with] {adjunct}."),
         ("[The|A] treating physician's plan [should|is expected to] [include|incorporate] "
          "{adjunct}.")),
    ), caveat=(
        ("{T} is not [recommended|supported] [in the absence of|without] {need}.",
         "{T} should not be [used|continued|started] [without|in the absence of] {need}.",
         "[The guidelines|{Src}] are not supportive of {t} [without|in the absence of] {need}."),
    ), unaddressed=(
        (("The CA MTUS does not address {t}[; therefore,|, and] the Official Disability "
          "Guidelines were [consulted|referenced]."),
         "The California MTUS and ACOEM Guidelines do not [specifically |]address this request."),
    )),
    _s("guideline", 1, any=(
        (("As noted in {src}, the guidelines [endorse|favor] {supports}."),
         "{Src}, it is noted, [espouse|endorse] {supports}."),
    ), indication=(
        (("As noted in {src}, {t} [is reserved for|is indicated in] {need}."),
         "{Src} [take the position|acknowledge] that {t} is [appropriate|indicated] in {need}."),
    ), quantity=(
        ("[As noted in|Per] {src}, the guideline position is {allowed}.",
         "{Src} [set|establish] a [guideline|treatment] parameter of {allowed}."),
    ), fi=(
        (("{Src} [stipulate|take the position] that continuation of {t} should be predicated "
          "on [demonstrable|documented] functional improvement."),
         ("Demonstration of functional improvement is, per {src}, necessary at various "
          "milestones in the treatment program.")),
    ), extra=(
        (("{Src}, it is further noted, emphasize the importance of tailoring {t} to the "
          "specific needs of the injured worker."),
         ("{Src} also note that passive modalities should be employed together with active "
          "therapy and self-directed home exercise.")),
    ), caveat=(
        ("{Src} [further note|also note] that {t} is not [recommended|indicated] absent {need}.",),
    ), unaddressed=(
        ("The MTUS does not address the topic of {t}, so the ODG position was adopted.",),
    )),
    _s("guideline", 2, any=(
        ("{Src} [recommend|indicate] {supports}.",
         "{Src} state that {supports} [is|are] recommended.",
         "According to {src}, {supports} [may be|is] recommended."),
    ), indication=(
        ("{Src} recommend {t} only [for patients with|when there is] {need}.",
         "{T} is recommended [for patients with|when there is] {need}."),
    ), quantity=(
        ("{Src} [recommend|advise] {allowed}.", "Guidelines recommend {allowed}."),
    ), fi=(
        (("Continued {t} is recommended only with [objective|documented] improvement from "
          "{fi_prior}."),
         "{Src} require evidence of functional improvement before {t} is continued."),
    ), extra=(
        ("{T} is [recommended|indicated] [together with|as part of] {adjunct}.",
         "Care should focus on [function|a return to usual activity].",
         "Progress should be [documented|monitored] {review}."),
    ), caveat=(
        ("{T} is not indicated without {need}.",),
    ), unaddressed=(
        ("The MTUS does not [address|specifically address] {t}.",),
    )),
    _s("guideline", 3, any=(
        (("[With regard to|Regarding|In regard to] {t}, {src} [recommend|state that they "
          "recommend] {supports}."),
         "{Src} [state|indicate] {supports} [is|are] recommended[ for some patients|]."),
    ), indication=(
        (("[Criteria for the use of {t} include|Criteria for {t} include|Indications for {t} "
          "include] {need}[ and {need2}|]."),
         "{Src} [also |]recommend {t} [only |]in patients [with|who have] {need}."),
    ), quantity=(
        ("{Src} [allow for|support] {allowed}.",
         "The recommended [course|duration|amount] of {t} is {allowed}.",
         "{Src} state that {t} is recommended for {allowed}."),
    ), fi=(
        (("[Functional improvement|Objective functional improvement] [is defined as|means] "
          "[a clinically meaningful gain in daily activities or fewer work restrictions|"
          "measurable gains in function with less reliance on medical care]."),
         ("Continuation of {t} is recommended [only |]with [quantified|documented] evidence "
          "of pain relief and increased function[ from prior treatment|].")),
    ), extra=(
        (("{Src} indicate that {t} may be [appropriate|helpful|indicated] [if|when] [combined with|"
          "paired with|used with] {adjunct}."),
         ("Per {src}, [clinical|objective] findings should be [well|clearly|carefully] "
          "documented [prior to|before] [proceeding with|considering|ordering] [further "
          "treatment|additional care|{t}]."),
         ("[Progress with|Any benefit from] {t} [is to|must] be [monitored|"
          "documented] {review}.")),
    ), caveat=(
        ("{Src} indicate that {t} is not [indicated|recommended] unless there is {need}.",),
    ), unaddressed=(
        ("The MTUS and ACOEM guidelines do not [specifically |]address this request.",),
    )),
    _s("guideline", 4, any=(
        (("The request in question [must be|was] weighed against {src}, which [endorse|"
          "favor] {supports}."),
         "{Src} [take the position|suggest] that {supports} [is|are] the appropriate course."),
    ), indication=(
        ("{Src} reserve {t} for {need}.",
         "The position of {src} is that {t} is best reserved for {need}."),
    ), quantity=(
        (("{Src} [endorse|support] {allowed}[ in the treatment of the issues present "
          "here|]."),),
    ), fi=(
        (("{Src} [note|stipulate] that [ongoing|continued] {t} should be predicated on "
          "evidence of functional benefit with the same."),
         ("Per {src}, the continued usage of {t} hinges on the demonstration of a "
          "favorable response to earlier treatment.")),
    ), extra=(
        (("The guidelines, moreover, take the position that the attending provider should "
          "incorporate some discussion of efficacy into the treatment plan."),),
    ), caveat=(
        ("[Conversely|By the same token], {t} is not endorsed in the absence of {need}.",),
    ), unaddressed=(
        ("As the MTUS is silent on {t}, the Official Disability Guidelines were invoked.",),
    )),
    _s("guideline", 5, any=(
        ("Guidelines recommend {supports}.", "{Src} [advise|endorse] {supports}."),
    ), indication=(
        ("{T} is indicated [for|in patients with] {need}.",
         "{Src} indicate {t} [may be|is] appropriate [for|when there is] {need}."),
    ), quantity=(
        ("[Guidelines|{Src}] limit {t} to {allowed}.", "The recommended amount is {allowed}."),
    ), fi=(
        (("{Src} [require|recommend] documented evidence of improved function before {t} is "
          "continued."),),
    ), extra=(
        ("The plan should include {adjunct}.",
         "[Results|The response] should be [reviewed|documented] {review}."),
    ), caveat=(
        ("Without {need}, guidelines do not support {t}.",),
    ), unaddressed=(
        ("{T} is not addressed by the MTUS; the ODG [was|were] referenced.",),
    )),
    # ============================== no_indication ========================================
    _s("no_indication", 0, fail=(
        (("However, there [is|was] [a lack of documentation of|no documentation of|no clear "
          "evidence of|a lack of evidence of] {missing}."),
         ("There [is|was] a lack of [documentation|evidence|documented evidence] [of|regarding] "
          "{missing}[ to warrant the request| to support the requested {kind}||]."),
         ("[However, there|There] [is|was] no [evidence|clear evidence|documentation] of "
          "{missing}[ to warrant the requested {kind}||]."),
         ("[However,|In this case,] {records} [does not establish|fails to document|did not "
          "demonstrate] {missing}."),
         ("However, there was a lack of [objective |]findings [on physical examination|in "
          "the documentation] to [warrant|support] the requested {t}, such as {missing}."),
         "Documentation of {missing} was not provided[ to support the requested {kind}| for review|].",
         "There [is|was] no indication of {missing}[ to warrant the request|].",
         ("There [is|was] [a lack of documentation regarding|no indication the patient had] "
          "{missing}."),
         ("{Pt} [was noted to have improved|reported improvement] with [prior |]{history}, and "
          "[there is no indication that|it is unclear why] {t} [is needed|would change the "
          "plan] at this time."),
         ("[The medical necessity of|Medical necessity for] {t} [is|was] not [supported|"
          "established], as there [is|was] no documentation [of|regarding] {missing}."),
         ("[In this case, the|The] [physical exam|examination] [noted|showed] {exam_brief}, but "
          "there [is|was] no [documentation|evidence] of {missing}."),
         ("{Pt} [has|had] {exam_brief}, but the [records|documentation] [are not clear "
          "regarding|do not address] {missing}.")),
        ("[?{Prov} did not explain why {t} is needed at this point.]",
         "[?Medical necessity for {t} has not been established.]",
         ("[?The need for {t} prior to [completion of conservative care|further "
          "conservative care] was not explained.]"),
         "[?The rationale for [requesting|proceeding with] {t} was not [provided|explained].]",
         "[?No explanation was given as to why {t} is needed [now|at this time].]",
         "[?Without this, the requested {kind} would not be [supported|warranted].]",
         ("[?The medical necessity for this request [has not been|was not] [established|"
          "demonstrated].]"),
         "[?The guideline criteria are not met for this request.]"),
    ), brief=(
        (("There was [also |]no documentation of {missing} [to warrant|to support] the "
          "requested {t}."), "Evidence of {missing} was not provided.",
         "There is a lack of documentation of {missing}.",
         "There was [also |]a lack of documentation regarding {missing}.",
         "No {missing} [was|were] documented[ at that time|]."),
    ), met=(
        (("[According to|According to|Based on|Per] {records}, {pt} [has|was noted to have] {found}, which meets "
          "that criterion."),),
    )),
    _s("no_indication", 3, fail=(
        (("[Per|Within] {records}, {pt} [had|was noted to have] {exam_brief}; "
          "however, there [is|was] no [documentation|evidence|indication] of {missing}."),
         ("There was no [evidence|indication] of {missing} [noted on physical examination|in "
          "the documentation provided]."),
         ("The [last|latest] physical examination did not [document|demonstrate] {missing} "
          "to [warrant|support] the request."),
         "There is a lack of [documented |objective |]evidence of {missing}.",
         "There was no indication the patient had {missing}.",
         ("{Records} [noted|described] {exam_brief}, but [there was no mention of|did not "
          "describe] {missing}[ to warrant this request|].")),
        ("[?There is also no documentation of {missing2}.]", "[?{Missing2} was not [noted|shown] either.]",
         "[?The records also do not [show|describe] {missing2}.]"),
    ), brief=(
        ("The physical examination did not document {missing}.",
         "No evidence of {missing} was provided prior to the request."),
    ), met=(
        ("The documentation does establish {found}.",),
    )),
    _s("no_indication", 1, fail=(
        (("Here, however, {records} made no mention of {missing}."),
         ("Here, however, {prov} did not clearly describe {missing}[ on the {visit_date} "
          "office visit at issue|]."),
         ("The attending provider's documentation, however, did not establish the presence "
          "of {missing}.")),
        (("[The request, thus, was at odds with|The request was, thus, not in accordance "
          "with] the [guideline|MTUS] criteria for {t}."), ""),
    ), brief=(
        (("The attending provider, moreover, made no mention of {missing} on the date in "
          "question."),
         "There was, moreover, no mention of {missing} here."),
    ), met=(
        ("It was acknowledged that {records} did describe {found}.",),
    )),
    _s("no_indication", 4, fail=(
        (("The attending provider's {visit_date} note [described|documented] {exam_brief} "
          "but made no mention of {missing}."),
         "{Records} [described|documented] {exam_brief} but did not document {missing}."),
        ("[?It was not clearly stated why {t} was being sought in the face of these findings.]",
         "[?The attending provider did not furnish a clear rationale for {t} here.]"),
    ), brief=(
        ("It was not, however, stated that {pt} had {missing}.",),
    ), met=(
        ("[Admittedly|To be fair], {records} did, in fact, describe {found}.",),
    )),
    _s("no_indication", 2, fail=(
        (("[Within the notes provided|In this case], there is no [indication|evidence] of "
          "{missing}."),
         "There was a lack of [documentation|evidence] showing {missing}.",
         "However, there was no [documentation|evidence] of {missing} in the notes provided.",
         "The documentation does not [show|indicate] {missing}.",
         "{Records} did not describe {missing}."),
        ("[?Guidelines have not been met.]", "[?Medical necessity has not been established.]", ""),
    ), brief=(
        ("There is no {missing} on record.", "The documentation does not mention {missing}."),
    ), met=(
        ("The documentation does show {found}.",),
    )),
    _s("no_indication", 5, fail=(
        H("The {visit_date} exam [showed|revealed] {exam_brief}.", ""),
        ("{Records} contained no [mention|documentation] of {missing}.",
         "No documentation of {missing} was provided for review.",
         "There is no [evidence|indication] of {missing} in the documentation provided.",
         "There is a lack of {missing} in the documentation."),
        ("[The guideline criteria are therefore not met|The guideline criteria have not been met].",
         "", ""),
    ), brief=(
        ("There were no findings of {missing}.",),
    ), met=(
        ("{Pt} does have {found}.",),
    )),
    # ========================= no_functional_improvement =================================
    _s("no_functional_improvement", 0, fail=(
        (("[However, there|There] [is|was] a lack of [documentation of|evidence of] "
          "[objective functional improvement|improvement in pain and function|a meaningful "
          "response] [with|from] {fi_prior}[ to warrant continued use| to support the "
          "request||]."),
         ("[However, there is no documentation of|However, there is a lack of documentation "
          "of|There was a lack of documentation of] [quantified|clear|objective] [objective "
          "functional improvement|pain relief and increased function|improvement in pain and "
          "function][, such as improvement in {measure},|] [with|from] {fi_prior}."),
         ("There is no indication that {t} is improving {pt_poss} function[ or pain]"
          "§fi_indication_wording§."),
         ("However, the documentation does not quantify any reduction in pain or gain in "
          "function from earlier use that would justify continuing it."),
         ("Evidence of objective functional improvement with {fi_prior} was not provided to "
          "support the requested {t}."),
         ("No [objective |measurable |]functional improvement [with|from] {fi_prior} was "
          "[documented|noted|shown][ to support the requested {kind}| to warrant additional "
          "treatment|]."),
         ("There was no indication the patient had [objective functional improvement|improved "
          "function|a meaningful response] [with|from] {fi_prior}."),
         ("There is a lack of documentation regarding {course_done} and [any|the] "
          "[functional response|objective benefit][ to date|]."),
         ("{Pt} [has had|had received] {fi_prior}, but there [is|was] no [quantified|"
          "objective] [evidence|documentation] of [functional improvement|improved function] "
          "[to warrant this request|with that treatment|].")),
        ("[?Medical necessity for [continued|ongoing] {t} has not been established.]",
         "[?No rationale was provided for continuing {t} without documented benefit.]", ""),
    ), brief=(
        (("There was a lack of documentation of {course_done} or of any objective "
          "functional gain[ to date|]."),
         ("There was no documentation of objective functional improvement with "
          "{fi_prior}."),
         ("The response to {fi_prior}, in terms of pain relief and function, was not "
          "documented.")),
    ), met=(
        (("Objective functional improvement [with|from] {fi_prior} is documented: "
          "{gain}."),),
    )),
    _s("no_functional_improvement", 3, fail=(
        (("[According to|According to|Based on|Per] {records}, {pt} has [completed|undergone|been using] "
          "{fi_prior}; however, there is no [quantified|objective] evidence of [improvement "
          "in {measure}|numerical pain relief or increased function]."),
         ("The benefit of {fi_prior} was not documented[ in terms of {measure}|], and "
          "continued treatment would not be [warranted|supported] without it."),
         ("There is no clarification as to {course_done} or the [benefit|response] "
          "obtained[ so far|]."),
         ("{Pt} [has had|had] {fi_prior} without [documented|objective] [improvement in "
          "function|functional benefit][ or a decrease in medication use|].")),
    ), brief=(
        ("The benefit derived from {fi_prior} was not documented.",
         "There was no evidence of improvement in {measure} with {fi_prior}."),
    ), met=(
        ("{Records} documented {gain} with {fi_prior}, which meets that definition.",),
    )),
    _s("no_functional_improvement", 1, fail=(
        H(("{Pt} had, it was acknowledged, already received {fi_prior} [over the course of "
           "the claim|through the date of the request]."), ""),
        (("Here, however, the attending provider [failed to outline|did not outline] any "
          "[meaningful|material] [improvement in function|functional improvement] achieved "
          "as a result of the same."),
         ("There was, moreover, no indication that {fi_prior} had improved {pt_poss} "
          "function[ or reduced pain]§fi_indication_wording§."),
         ("The attending provider did not, however, identify any improvement in function "
          "effected as a result of {fi_prior}.")),
    ), brief=(
        (("The attending provider did not, it is incidentally noted, describe {course_done} "
          "or what had been achieved."),
         "No functional gains effected as a result of {fi_prior} were outlined."),
    ), met=(
        ("{Pt} had, to be fair, reported {gain} with {fi_prior}.",),
    )),
    _s("no_functional_improvement", 4, fail=(
        (("The fact that {pt} remained [off of work|on total temporary disability|on "
          "restrictions] and continued to report {complaint} as of {visit_date}, despite "
          "{fi_prior}, suggested a lack of functional improvement [as defined in the MTUS|"
          "with the same]."),
         ("Ongoing complaints of {complaint} as of {visit_date}, despite {fi_prior}, "
          "suggested that the treatment had not generated meaningful gains.")),
        (("[Continuing|Ongoing usage of] {t} in the face of this lack of documented benefit "
          "was, thus, not in keeping with the guidelines."), ""),
    ), brief=(
        ("The applicant's work status and functional gains with {fi_prior} were not outlined.",
         "Functional improvement with {fi_prior} was not established."),
    ), met=(
        ("It was acknowledged that {fi_prior} had generated {gain}.",),
    )),
    _s("no_functional_improvement", 2, fail=(
        H("{Pt} has [had|completed|been on] {fi_prior}.", ""),
        (("There is no [evidence of|objective] [improvement|benefit] in {measure}."),
         "There is no evidence of objective functional improvement from this.",
         "There was a lack of [objective|documented] functional benefit from {fi_prior}.",
         "The [degree|amount] of benefit from this treatment is not documented."),
        ("[?Additional treatment is not warranted [without|absent] evidence of improvement.]",),
    ), brief=(
        ("The documentation does not [indicate|specify] {course_done} or the response to treatment.",
         "There is no evidence of a gain in function from {fi_prior}."),
    ), met=(
        ("{Pt} has had {gain} with {fi_prior}.",),
    )),
    _s("no_functional_improvement", 5, fail=(
        (("[It is noted|The documentation indicates] that {pt} has [undergone|used] {fi_prior} "
          "[without documented benefit|with no documented objective improvement]."),
         ("There is no indication that {fi_prior} has improved function[ or reduced pain]"
          "§fi_indication_wording§."),
         "However, there was a lack of documented improvement with {fi_prior}."),
        (("Pain levels [are unchanged|have not improved] and there is no measurable gain in "
         "{measure}."), ""),
    ), brief=(
        ("Benefit from {fi_prior} is not shown.",),
    ), met=(
        ("[It is noted|The documentation indicates] that {fi_prior} has helped, with {gain}.",),
    )),
    # Findings shown by the record's facts, not named: pain scores, work status and
    # medication use unchanged after the earlier treatment (one style a family).
    _s("no_functional_improvement", 6, fail=(
        (("The [most recent|latest] [progress report|evaluation][ of {visit_date}|] [documents|"
          "indicates] that {pt} continues to report {complaint}[, rated 7/10|, rated 8/10|], "
          "[unchanged from|no different from] the visits before {fi_prior}."),
         ("{Pt} [remains|continues to be] [on temporary total disability|off work|on the same "
          "work restrictions], and {records} describe the same [difficulty with sitting, "
          "standing and walking|limits on lifting and carrying|limitations in daily "
          "activities] as before {fi_prior}."),
         ("Despite {fi_prior}, [medication use has not decreased|{pt} continues to take the "
          "same medications at the same doses], and [pain is still rated 7/10|the pain level "
          "is unchanged].")),
        ("[?[Pain scores|Work status] and activity tolerance are essentially unchanged.]", ""),
    ), brief=(
        (("[Pain is still rated 7/10|{Pt} remains off work] after {fi_prior}, as before it."),),
    ), met=(
        (("After {fi_prior}, pain [decreased|went down] from 8/10 to 4/10 and {pt} "
          "[returned to modified duty|was able to walk and sit longer]."),),
    )),
    _s("no_functional_improvement", 7, fail=(
        (("The applicant was, it is incidentally noted, still [off of work|on total temporary "
          "disability] as of {visit_date} and continued to report {complaint}, much as before "
          "{fi_prior}."),
         ("The attending provider's note of {visit_date} reported that {fi_prior} had [helped "
          "only briefly|taken the edge off the pain for a few days], with pain [back at its "
          "prior level|returning to baseline] thereafter."),
         ("The applicant remained dependent on [the same analgesic medications|opioid agents "
          "such as Norco] and [was still unable to|continued to struggle to] [lift, carry or "
          "bend|perform household chores] despite {fi_prior}.")),
    ), brief=(
        ("The applicant's pain, it is noted, was no better after {fi_prior}.",),
    ), met=(
        (("The applicant had, to be fair, returned to work and reduced [his|her] analgesic "
          "use following {fi_prior}."),),
    )),
    _s("no_functional_improvement", 8, fail=(
        (("{Pt} still rates pain at [7|8|6]/10, the same as before {fi_prior}."),
         "{Pt} [is still|remains] off work and takes the same medications as before.",
         ("The notes say {fi_prior} [helped a little|helped for a few hours], but pain and "
          "activity levels are unchanged.")),
        ("[?Nothing in the notes shows that {pt} does more than before.]", ""),
    ), brief=(
        ("Pain and activity levels are unchanged after {fi_prior}.",),
    ), met=(
        ("After {fi_prior}, pain went from 8/10 to 4/10 and {pt} is back at work.",),
    )),
    # ========================= exceeds_guideline_quantity ================================
    _s("exceeds_guideline_quantity", 0, fail=(
        (("The request for {requested}{excess_clause} [exceeds|is in excess of] [the "
          "guideline recommendation|the recommended guidelines]{nomod}."),
         ("[Additionally, the|The] requested {requested}{excess_clause} would exceed the "
          "recommended [number of visits|amount|duration]{nomod}."),
         ("The [requested quantity|requested duration|amount requested], {requested}"
          "{excess_clause}, [exceeds|is in excess of] [what the guidelines recommend|the "
          "guideline recommendation]."),
         "The request for {requested}{excess_clause} is excessive[ per the guidelines|].",
         ("The request for {requested}{excess_clause} would not be supported, as it exceeds "
          "[the guideline recommendation|{allowed}].")),
        ("[?No rationale was provided for exceeding the guideline recommendation.]",
         "[?There are no exceptional factors to warrant this amount.]", ""),
    ), brief=(
        ("The request for {requested} exceeds the recommended guidelines.",
         "The requested {requested} would exceed the guideline recommendation."),
    ), met=(
        (("The [quantity|number] requested, {requested}, is within the guideline "
          "recommendation of {allowed}§within_quantity§."),),
    )),
    _s("exceeds_guideline_quantity", 3, fail=(
        (("The request for {requested}{excess_clause} exceeds [the recommended guidelines|"
          "guideline recommendations]."),
         ("The requested {requested}{excess_clause} is in excess of the guideline "
          "recommendation of {allowed}."),
         ("[Moreover,|Also,] {requested}{excess_clause} [would be|is] more than the "
          "[guideline maximum|recommended limit] of {allowed}.")),
        (("[?There are no extenuating factors documented to warrant treatment beyond this "
          "recommendation.]"),),
    ), brief=(
        ("The request for {requested} is in excess of {allowed}.",),
    ), met=(
        (("The request for {requested} does not exceed the guideline allowance of {allowed}"
          "§within_quantity§."),),
    )),
    _s("exceeds_guideline_quantity", 1, fail=(
        (("The request for {requested}{excess_clause}, thus, represented treatment in "
          "excess of [the MTUS parameters|guideline parameters|that allowance]."),
         ("Here, however, the request for {requested}{excess_clause} went beyond what the "
          "[guidelines support|MTUS supports], namely {allowed}."),
         ("The {requested} at issue{excess_clause}, in and of itself, represented treatment "
          "in excess of the guideline position.")),
    ), brief=(
        ("The {requested} sought, it is incidentally noted, ran counter to {allowed}.",),
    ), met=(
        (("The {requested} sought was, it was acknowledged, in keeping with {allowed}"
         "§within_quantity§."),),
    )),
    _s("exceeds_guideline_quantity", 4, fail=(
        (("[Even if {t} were indicated|Were {t} otherwise appropriate], the {requested} at "
          "issue{excess_clause} would [still exceed|represent treatment well in excess "
          "of] what {src} support, namely {allowed}."),),
        (("[?The attending provider did not outline any extenuating circumstances which would "
         "support such a departure.]"),),
    ), brief=(
        ("The {requested} sought, moreover, went beyond {allowed}.",),
    ), met=(
        ("The amount sought, {requested}, did not exceed {allowed}§within_quantity§.",),
    )),
    _s("exceeds_guideline_quantity", 2, fail=(
        (("This request is for {requested}{excess_clause}, which exceeds [the guideline "
          "recommendation|what is recommended|guidelines]."),
         "{Requested}{excess_clause} [exceeds|is in excess of] what guidelines recommend.",
         "The requested {requested}{excess_clause} exceeds the guideline recommendation."),
    ), brief=(
        ("The {requested} requested exceeds the recommended amount.",),
    ), met=(
        ("The amount requested, {requested}, is within guidelines§within_quantity§.",),
    )),
    _s("exceeds_guideline_quantity", 5, fail=(
        (("[Guidelines|{Src}] limit {t} to {allowed}, and the request for {requested}"
          "{excess_clause} [exceeds this|goes beyond this]."),
         "The {requested} requested{excess_clause} is beyond the guideline limit."),
        ("[?No rationale was given for exceeding the guidelines.]",),
    ), brief=(
        ("The amount requested, {requested}, exceeds the recommended limit.",),
    ), met=(
        ("The amount requested ({requested}) is consistent with guidelines§within_quantity§.",),
    )),
    # Excess shown by the numbers, not named ("12 visits is more than the 10 supported").
    _s("exceeds_guideline_quantity", 6, fail=(
        ("[Here|In this case], {shown}.", "[Of note|It is noted that], {shown}."),
        (("[?The request [does not conform to|is not consistent with] the recommended "
          "[number|amount|duration].]"), ""),
    ), brief=(
        ("[Of note|It is noted that], {shown}.",),
    ), met=(
        ("The request, {requested}, falls within {allowed}§within_quantity§.",),
    )),
    _s("exceeds_guideline_quantity", 7, fail=(
        (("The {requested} at issue, it is incidentally noted, meant that {shown}."),
         "It was, moreover, apparent that {shown}."),
    ), brief=(
        ("The {requested} sought meant that {shown}.",),
    ), met=(
        (("The {requested} sought was, it was acknowledged, in line with {allowed}"
         "§within_quantity§."),),
    )),
    _s("exceeds_guideline_quantity", 8, fail=(
        ("{Shown}.", "On review, {shown}."),
    ), brief=(
        ("{Shown}.",),
    ), met=(
        ("{Requested} fits within {allowed}§within_quantity§.",),
    )),
    # ============================== not_recommended ======================================
    _s("not_recommended", 0, fail=(
        (("{Src} [state|indicate] that {nr_subject} is not recommended[, as {nr_why}|]."),
         "[The guidelines|{Src}] do not recommend {nr_subject}[, as {nr_why}|]."),
    )),
    _s("not_recommended", 3, fail=(
        (("[With regard to|Regarding] this request, {src} [indicate|state] that {nr_subject} "
          "is not recommended."),),
        ("[The guidelines note that|This is because] {nr_why}.", ""),
    )),
    _s("not_recommended", 1, fail=(
        (("{Src} [take the position|note] that {nr_subject} is \"not recommended\"[, as "
         "{nr_why}|]."),),
    )),
    _s("not_recommended", 4, fail=(
        ("{Nr_subject}, per {src}, is not recommended[, as {nr_why}|].",
         ("The request, moreover, [represented|amounted to] {nr_subject}, which {src} do "
          "not endorse[, as {nr_why}|].")),
    )),
    _s("not_recommended", 2, fail=(
        ("{Nr_subject} is not recommended by {src}.",),
        ("[?{Nr_why}.]",),
    )),
    _s("not_recommended", 5, fail=(
        (("[Guidelines|{Src}] [do not recommend|advise against] {nr_subject}[ because "
          "{nr_why}|]."),
         "{Nr_subject} is not a recommended treatment[; {nr_why}|]."),
    )),
    # ================================== other ============================================
    _s("other", 0,
       surgery_denied=(
           (("[As|Since] the [requested|associated|primary] surgical intervention "
             "is not [medically necessary|supported], the [requested |associated |]"
             "[ancillary|associated|perioperative] [service|request] is [also|likewise] not "
             "[medically necessary|supported]."),
            ("The [ancillary|associated] [service|request] would not be needed, as the "
             "surgical intervention [itself |]has not been [found medically "
             "necessary|supported].")),),
       unspecified=(
           (("The request [does not specify|failed to specify] [the quantity|the number of "
             "sessions|the frequency and duration] requested, and [an open-ended request "
             "cannot be supported|the guidelines do not support an open-ended request]."),),),
       duplicate=(
           (("[Per the documentation,|The documentation indicated that] {pt} had already been "
             "approved for the same service[ on {ur_date}|]; this request would be "
             "[duplicative|a duplicate]."),),),
       retro_records=(
           (("The documentation for the date of service, {dos}, was not provided for review, "
             "and the retrospective request cannot be assessed."),),),
       body_part=(
           (("The request does not specify [which body part|the body region] is to be "
             "treated[, and multiple body parts are involved|]."),),),
       ),
    _s("other", 3,
       surgery_denied=(
           (("The concurrent request for surgery [was|has been] found not to be supported; "
             "therefore, the [associated|related] request is not supported either."),),),
       unspecified=(
           (("[Moreover,|However,] the request failed to provide [the quantity|the frequency "
             "or duration|the number of sessions]."),),),
       duplicate=(
           (("The request is duplicative of [an earlier|a prior] authorization[ dated "
            "{ur_date}|]."),),),
       retro_records=(
           (("There is no documentation for the date of service in question ({dos}) to "
             "support the retrospective request."),),),
       body_part=(
           ("The request failed to specify the body part to be treated.",),),
       ),
    _s("other", 1,
       surgery_denied=(
           (("Since the primary surgical procedure was deemed not [supported|indicated], the "
             "associated request was likewise not [supported|indicated]."),),),
       unspecified=(
           (("The request, as written, did not specify [a quantity|a duration|the number of "
             "treatments], making it [open-ended|impossible to weigh against the "
             "guidelines]."),),),
       duplicate=(
           (("It appeared, moreover, that the same {t} had already been [authorized|approved] "
             "for the period in question, rendering the request duplicative."),),),
       retro_records=(
           (("The attending provider's note of {dos}, the date of service at issue, was not "
             "incorporated into the IMR packet."),),),
       body_part=(
           (("The attending provider did not specify which body part the request was "
             "intended to treat[, despite the applicant's multifocal complaints|]."),),),
       ),
    _s("other", 4,
       surgery_denied=(
           (("The surgery with which this service was associated was itself found not "
             "supported, so there was no role for {t}."),),),
       unspecified=(
           (("The attending provider did not state [the quantity|the duration] of treatment "
             "being sought."),),),
       duplicate=(
           (("The same service was, it was noted, [previously authorized|already approved]; "
             "the request, thus, was [redundant|a duplicate]."),),),
       retro_records=(
           (("No records from the date of service, {dos}, were furnished, so the "
             "retrospective request could not be evaluated."),),),
       body_part=(
           ("The body part for which the request was made was not stated.",),),
       ),
    _s("other", 2,
       surgery_denied=(
           ("The surgery is not supported, so this associated service is not needed.",
            ("Since the surgery is not indicated, the [related|associated] service is not "
            "indicated.")),),
       unspecified=(
           ("The quantity requested is not specified.",
            "The request does not state how many [sessions|units] are being asked for."),),
       duplicate=(
           ("This is a duplicate of a request already [approved|authorized].",),),
       retro_records=(
           ("There are no records for the date of service {dos}.",),),
       body_part=(
           ("The body part is not specified in the request.",),),
       ),
    _s("other", 5,
       surgery_denied=(
           (("The associated surgery is not supported, and this service depends on "
             "it."),),),
       unspecified=(
           ("No quantity or duration is given with the request.",),),
       duplicate=(
           (("The documentation shows this was already authorized on {ur_date}, so the request is "
            "[duplicative|redundant]."),),),
       retro_records=(
           ("Records from {dos}, the date of service, are not available.",),),
       body_part=(
           ("It is unclear which body part is being treated.",),),
       ),
    # ================================ overturned =========================================
    _s("overturned", 0,
       indication=(
           (("[In this case|Per the submitted documentation|Based on the documentation "
             "provided], {pt} [has|presented with|was noted to have] {found}§criterion_met§."),
            ("The [records|documentation] [describe|show|note] {found}, which [supports|"
             "justifies] the [request|use of {t}]§criterion_met§."),
            ("{Pt} [meets the criteria for|qualifies for] {t}, [with|given] {found} [noted "
             "in the documentation|in the records]§criterion_met§.")),
           ("[?The guideline criteria have been met.]",
            "[?This is consistent with the guideline recommendations.]",
            "[?{T} is [therefore |]reasonable at this time.]"),),
       fi=(
           (("[According to|According to|Based on|Per] {records}, {pt} has had {gain} with "
             "{fi_prior}§criterion_met§."),
            ("There [is|has been] [quantifiable|objective|documented] [improvement|functional "
             "improvement] with {fi_prior}, including {gain}§criterion_met§."),
            ("{Records} [showed|documented] {gain} [after|with] {fi_prior}, [which represents|"
             "amounting to] objective functional improvement§criterion_met§.")),),
       quantity=(
           (("The request for {requested} [is within|does not exceed] the guideline "
             "recommendation of {allowed}§within_quantity§."),
            ("[As such,|In addition,] the {requested} requested [is consistent with|falls "
             "within] the guideline recommendations§within_quantity§.")),),
       surgery=(
           (("The [associated|requested] surgical intervention is [supported|"
             "appropriate], and this [ancillary |]service is [a standard part of|appropriate "
             "as part of] [perioperative|postoperative] care."),),),
       ),
    _s("overturned", 3,
       indication=(
           (("[Per|Within] {records}, {pt} [presented with|was noted to have] "
             "{found}§criterion_met§."),
            ("There is [clear |]evidence of {found}[ on the latest examination|], which "
             "[supports|warrants] the request§criterion_met§.")),
           ("[Guidelines have been met|The criteria have been satisfied].", ""),),
       fi=(
           (("[According to|According to|Based on|Per] {records}, {pt} has [completed|undergone] {fi_prior} with "
             "{gain}§criterion_met§."),
            ("[Given|With] {gain} [after|from] {fi_prior}, continued {t} is [supported|"
             "reasonable]§criterion_met§.")),
           ("This constitutes objective functional improvement[ as defined by the guidelines|].",
            ""),),
       quantity=(
           (("The {requested} requested [is within|falls within] the recommended "
            "guidelines§within_quantity§."),),),
       surgery=(
           (("As the [related|primary] surgical [intervention|procedure] [was|has been] "
             "[supported|found appropriate], the [requested|ancillary] service is "
             "[reasonable|warranted] as well."),),),
       ),
    _s("overturned", 1,
       indication=(
           ("Here, {records} [clearly described|documented] {found}§criterion_met§.",),
           (("The request, thus, was in accordance with the [guideline|MTUS] criteria for "
             "{t}."), ""),),
       fi=(
           (("{Pt} had, it was reported, achieved {gain} as a result of "
             "{fi_prior}§criterion_met§."),),
           (("This represents the requisite functional improvement needed to justify "
             "continuation of the same."),),),
       quantity=(
           (("The {requested} sought [was|were], moreover, in keeping with {allowed}"
            "§within_quantity§."),),),
       surgery=(
           (("Since the primary surgical procedure was deemed appropriate, the associated "
             "request was likewise [appropriate|indicated]."),),),
       ),
    _s("overturned", 4,
       indication=(
           (("The attending provider's {visit_date} note [described|documented] "
             "{found}§criterion_met§."),),),
       fi=(
           (("The fact that {pt} had achieved {gain} with {fi_prior} suggested that the "
             "treatment had been beneficial§criterion_met§."),),),
       quantity=(
           ("The amount sought, {requested}, was within {allowed}§within_quantity§.",),),
       surgery=(
           (("The surgery which this service supports was deemed appropriate, and the "
             "ancillary request is likewise appropriate."),),),
       ),
    _s("overturned", 2,
       indication=(
           ("{Pt} has {found}§criterion_met§.",),
           ("This [meets|satisfies] the guideline requirement of {need}.", ""),),
       fi=(
           ("{Pt} [has had|reports] {gain} [with|after] {fi_prior}§criterion_met§.",),
           ("That is objective functional improvement.", ""),),
       quantity=(
           ("The number requested ({requested}) is within guidelines§within_quantity§.",),),
       surgery=(
           ("The surgery has been approved, so this associated service is appropriate.",),),
       ),
    _s("overturned", 5,
       indication=(
           (("[Regarding this case|In this case], the documentation shows {found}"
             "§criterion_met§."),),
           ("[The criteria are met|Criteria are met here].", ""),),
       fi=(
           (("The documentation indicates that {pt} has improved with {fi_prior}, with "
             "{gain}§criterion_met§."),),),
       quantity=(
           ("{Requested} is within what guidelines recommend§within_quantity§.",),),
       surgery=(
           ("With the surgery approved, the related service is reasonable.",),),
       ),
    # ========================= closing (upheld filler) ===================================
    _s("closing", 0, any=(
        (("There [are|were] no [exceptional|extenuating] [factors|circumstances] "
          "[noted|documented] [to support|that would justify] [treatment outside of the "
          "recommended guidelines|deviation from the guidelines|an exception]."),),
    )),
    _s("closing", 3, any=(
        (("[No exceptional factors were|Nothing was] [noted|documented] that would [warrant|"
          "support] [an exception to|treatment beyond] the guidelines."),),
    )),
    _s("closing", 1, any=(
        (("The attending provider did not outline any extenuating circumstances which would "
          "justify a departure from the guideline position."),),
    )),
    _s("closing", 4, any=(
        ("No applicant-specific factors were set forth to offset the guideline position.",),
    )),
    _s("closing", 2, any=(
        ("No exceptional factors are noted.", "There are no exceptional factors to warrant an exception."),
    )),
    _s("closing", 5, any=(
        ("There are no unusual factors that would warrant an exception to the guidelines.",),
    )),
    # ================================ conclusion =========================================
    _s("conclusion", 0,
       neg=((("[As such|As such|As such|Given the above|Given the above|Therefore], the "
              "request [for {item_ref} |]is not medically necessary."),
             ("[As such|Therefore], the request [for {item_ref} |]is not "
              "medically necessary[ at this time||]."),
             "[Given the above|Therefore], the requested {kind} is not medically necessary."),),
       pos=((("[Therefore|As such|Given the above], the request [for {item_ref} |]is "
              "medically necessary."),),),
       lead_neg=(("The request for {item_ref} is not medically necessary.",),),
       lead_pos=(("The request for {item_ref} is medically necessary.",),),
       ),
    _s("conclusion", 3,
       neg=((*(("[As such|Given the above|Therefore], the request [for {item_ref} |]is not "
                "medically necessary."),) * 4,
             ("Medical necessity has not been established; [therefore|as such], the request "
              "[for {item_ref} |]is not medically necessary."),
             "[Based on the above|Given this], {item_ref} is not medically necessary.",
             "[As such|Therefore], {item_ref} is determined to not be medically necessary.",
             "[As such|Given the above], the requested {kind} is not medically necessary.",
             ("[Given the above|As such], the medical necessity of [the request|{item_ref}] "
              "[has not been|is not] established."),
             ("The request [for {item_ref} |]is [therefore |]not medically "
              "necessary[ at this time|].")),),
       pos=((("[Based on the above|Given this], {item_ref} is medically necessary and "
              "appropriate."),
             "Medical necessity has been established for {item_ref}§unusual_conclusion§."),),
       lead_neg=(("The requested {item_ref} is not medically necessary.",),),
       lead_pos=(("The requested {item_ref} is medically necessary.",),),
       ),
    _s("conclusion", 1,
       neg=((("Therefore, the request [for {item_ref} |]was not medically necessary."),
             "The request in question, thus, was not medically necessary."),),
       pos=((("Therefore, the request [for {item_ref} |]was medically necessary."),
             "The request in question, thus, was medically necessary."),),
       lead_neg=(("No, the request for {item_ref} was not medically necessary.",),),
       lead_pos=(("Yes, the request for {item_ref} was medically necessary.",),),
       ),
    _s("conclusion", 4,
       neg=((("[On balance|All things considered], {item_ref} was not shown to be medically "
              "necessary§unusual_conclusion§."),
             "[On balance|All things considered], the request was not medically necessary."),),
       pos=((("[On balance|All things considered], {item_ref} was shown to be medically "
              "appropriate§unusual_conclusion§."),
             "[On balance|All things considered], the request was medically necessary."),),
       lead_neg=(("The request for {item_ref} was not medically necessary.",),),
       lead_pos=(("The request for {item_ref} was medically necessary.",),),
       ),
    _s("conclusion", 2,
       neg=(("[As such|Given the above], this request is not medically necessary.",
             "[As such|Given the above], the request for {item_ref} is not medically necessary.",
             "[Therefore|Given this], the request for {item_ref} is not medically necessary.",
             "As such, the requested {kind} is not medically necessary at this time.",
             "The request for {item_ref} cannot be certified§unusual_conclusion§."),),
       pos=(("This request is medically necessary.",
             "The request for {item_ref} can be certified§unusual_conclusion§."),),
       lead_neg=(("This request for {item_ref} is not medically necessary.",),),
       lead_pos=(("This request for {item_ref} is medically necessary.",),),
       ),
    _s("conclusion", 5,
       neg=((*(("[Given the above|For the above reasons|As such|Therefore], the request [for "
                "{item_ref} |]is not medically necessary."),) * 3,
             ("For the reasons above, {item_ref} cannot be considered medically necessary"
             "§unusual_conclusion§.")),),
       pos=((("[Because of these reasons|For these reasons], the request [for {item_ref} |]"
              "is medically necessary."),
             ("For the reasons above, {item_ref} can be considered medically necessary"
             "§unusual_conclusion§.")),),
       lead_neg=(("{Item_ref} is not medically necessary.",),),
       lead_pos=(("{Item_ref} is medically necessary.",),),
       ),
)



def styles_of(kind: str, family: int | None = None) -> tuple[Style, ...]:
    """The styles of a kind, optionally only those of one family."""
    return tuple(s for s in STYLES if s.kind == kind and (family is None or
                                                          s.family == family))


def family_of(style_id: str) -> int:
    """The family of a style id such as ``"no_indication/4"`` (index modulo 3)."""
    return int(style_id.rsplit("/", 1)[1]) % N_FAMILIES
