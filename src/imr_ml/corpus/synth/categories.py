"""Each generated treatment's category and drug class, as the project's labels name them
(`imr_ml.labels.CATEGORIES`, `DRUG_CLASSES`): the synthetic corpus's category labels, by
construction."""

from __future__ import annotations

from imr_ml.corpus.synth.catalogue import Treatment

# catalogue category -> (category, drug class) where the category alone decides
_BY_CATEGORY: dict[str, tuple[str, str | None]] = {
    "opioid": ("pharmacy", "opioid"), "nsaid": ("pharmacy", "nsaid"),
    "muscle_relaxant": ("pharmacy", "muscle_relaxant"), "topical": ("pharmacy", "topical"),
    "anticonvulsant": ("pharmacy", "neuropathic"), "ppi": ("pharmacy", "gi"),
    "hypnotic": ("pharmacy", "sedative"), "imaging": ("diagnostics", None),
    "electrodiagnostic": ("diagnostics", None), "injection": ("injections", None),
    "surgery": ("surgery", None), "dme": ("dmepos", None), "home_health": ("home_health", None),
    "program": ("programs", None),
}
# treatment key -> (category, drug class) for the rest
_BY_KEY: dict[str, tuple[str, str | None]] = {
    "pt": ("physical_therapy", None), "aquatic": ("physical_therapy", None),
    "chiro": ("chiropractic", None), "acupuncture": ("acupuncture", None),
    "pain_consult": ("evaluation_management", None), "followup": ("evaluation_management", None),
    "fce": ("diagnostics", None), "uds": ("diagnostics", None),
    "postop_pt": ("physical_therapy", None), "postop_ot": ("physical_therapy", None),
    "clearance": ("evaluation_management", None), "ekg": ("diagnostics", None),
    "labs_cbc": ("diagnostics", None), "labs_cmp": ("diagnostics", None),
    "labs_pt_ptt": ("diagnostics", None), "chest_xray": ("diagnostics", None),
    "cold_unit": ("dmepos", None), "crutches": ("dmepos", None),
    "knee_brace_postop": ("dmepos", None), "sling": ("dmepos", None),
    "wrist_splint": ("dmepos", None), "lso_brace": ("dmepos", None),
    "bone_stim": ("dmepos", None), "walker": ("dmepos", None),
    "assistant": ("surgery", None), "inpatient": ("surgery", None),
    "home_health_postop": ("home_health", None),
}
# post-operative medicines: the drug named in the item text decides the class
_POSTOP_DRUGS = {"norco": "opioid", "keflex": "other_drug", "zofran": "gi"}


def category_of(treatment: Treatment, item_text: str) -> tuple[str, str | None]:
    """(category, drug class) of a generated item; KeyError for a treatment this table
    does not know (a test checks every treatment of the catalogue)."""
    if treatment.key == "postop_meds":
        drug = next(cls for name, cls in _POSTOP_DRUGS.items() if name in item_text.lower())
        return "pharmacy", drug
    if treatment.key in _BY_KEY:
        return _BY_KEY[treatment.key]
    return _BY_CATEGORY[treatment.category]
