"""Treatment category and drug class: the lexicon (imr_ml.segment.categories) and the model
that fills its gaps (imr_ml.model.category)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from imr_ml.corpus.splits import WORKING, real_halves
from imr_ml.errors import PatternError
from imr_ml.labels import CATEGORIES, DRUG_CLASSES, PHARMACY, REASONS
from imr_ml.model.category import CategoryClassifier
from imr_ml.model.metrics import score
from imr_ml.segment.categories import head, load_lexicon, shared_lexicon
from imr_ml.segment.rows import segment_letters

REAL_LABELS = Path(__file__).resolve().parents[2] / "shared" / "real" / "labels.jsonl"


@pytest.mark.parametrize(("text", "expected"), [
    ("Twelve sessions of physical therapy for the low back", ("physical_therapy", None)),
    ("Pre-operative EKG", ("diagnostics", None)),                   # a test, not an operation
    ("Pre-operative PT/PTT", ("diagnostics", None)),                # a lab, not therapy
    ("Associated surgical service: cold therapy unit", ("dmepos", None)),
    ("Associated surgical service: post-op physical therapy x12", ("physical_therapy", None)),
    ("TENS unit rental", ("dmepos", None)),                         # equipment, not sessions
    ("Electrical stimulation 2 times a week", ("physical_therapy", None)),
    ("Ultrasound of the right shoulder", ("diagnostics", None)),
    ("Ultrasound therapy 6 sessions", ("physical_therapy", None)),
    ("Ultrasound guided steroid injection, right knee", ("injections", None)),
    ("Toradol injection", ("injections", None)),                    # a drug given as a procedure
    ("Consultation with a spine surgeon", ("evaluation_management", None)),
    ("Chiropractic care with modalities (ultrasound, EMS)", ("chiropractic", None)),
    ("Functional capacity evaluation", ("diagnostics", None)),
    ("Psychological evaluation", ("behavioral_health", None)),
    ("Functional restoration program, 80 hours", ("programs", None)),
    ("Transportation to and from appointments", ("other", None)),
    ("Norco 10/325mg #90", (PHARMACY, "opioid")),
    ("Diclofenac sodium 1.5% gel 60gm", (PHARMACY, "topical")),     # topical, whatever its drug
    ("Post-op Zofran 4mg #10", (PHARMACY, "gi")),
    ("Xq-7 150mg #30", (PHARMACY, None)),                          # a drug the lexicon lacks
    ("Something nobody requested before", (None, None)),
    ("Tylenol with codeine #3", (PHARMACY, "opioid")),             # a combination: its pain drug
    ("Omeprazole with naproxen", (PHARMACY, "nsaid")),
    ("Ketoprofen 75 mg capsules", (PHARMACY, "nsaid")),            # topical only as a topical
    ("Lovenox for DVT prophylaxis", (PHARMACY, "other_drug")),     # the service, not its purpose
    ("Random drug screening", ("diagnostics", None)),
    ("Physical therapy, 12 units", ("physical_therapy", None)),    # units of therapy, not a unit
    ("Nurse practitioner office visit", ("evaluation_management", None)),
    ("ER visit", ("evaluation_management", None)),
    ("Purchase of Lidoderm patches", (PHARMACY, "topical")),
    ("X-ray interpretation", ("diagnostics", None)),
    ("Interpreter services", ("other", None)),
])
def test_the_lexicon_names_the_service_not_the_words_around_it(text, expected):
    assert shared_lexicon().classify(text) == expected


# Invented item texts of every category (none from a letter), written from the annotation
# guide and general knowledge of workers' compensation treatment: the category lexicon's
# check beside the working half (experiments/PROTOCOL.md).
INVENTED: dict[str, tuple[str, ...]] = {
    'chiropractic': (
        'Spinal manipulative therapy, 6 visits', 'Chiropractic adjustments x8',
        'Spinal adjustments 2x4', 'Chiropractor visits, six', 'CMT 3-4 regions',
        'Chiro 2x3 cervical', 'Flexion-distraction therapy, 6 sessions',
        'Osteopathic manipulative treatment x4', 'Manual therapy by a chiropractor, 8 visits',
        'Chiropractic physiotherapy 2x6', 'Activator adjustments, 6 sessions',
        'Chiropractic re-evaluation', 'Chiropractic treatment with modalities 2x4 lumbar spine',
        'OMT 4 sessions', 'Chiropractic sessions 1x6 thoracic spine',
        'Additional chiropractic therapy x 4', 'Spinal manipulation, lumbar, 6 visits',
        'Chiropractic care 12 visits', 'Manipulative treatment of the neck',
        'Chiropractic maintenance care',
    ),
    'dmepos': (
        'Conductive garment for the IF unit', 'TENS batteries, 12 month supply',
        'Lead wires for the TENS', 'Electrode pads x 8 pairs', 'Over-the-door cervical traction',
        'Saunders home traction device', 'Bath bench', 'Toilet safety frame', 'Raised toilet seat',
        'TED hose', 'Thumb spica splint', 'Aircast walking boot', 'Heel cups',
        'Stationary bike for home', 'Rib belt', 'Sacroiliac belt', 'Ankle foot orthosis (AFO)',
        'Patient lift', 'Hoyer lift', 'Lift chair', 'Grabber / reacher', 'Sock aid',
        'CPAP machine', 'Nebulizer', 'Sequential compression device rental', 'Wound dressings',
        'Intermittent catheters', 'Power wheelchair', 'Motorized scooter', 'Front-wheeled walker',
        'Quad cane', 'Hospital bed rental', 'Hinged knee brace', 'Cold therapy unit purchase',
        'Hot/cold contrast therapy unit', 'Cervical pillow', 'Lumbar support',
        'H-wave device 30-day trial', 'TENS unit one-month trial', 'Interferential unit rental',
        'Knee scooter', 'Custom orthotics', 'Compression sleeve for the arm', 'Wrist brace',
        'Soft cervical collar', 'Abdominal binder', 'Elliptical trainer',
        'Treadmill for home exercise', 'Orthopedic mattress', 'Replacement TENS pads',
        'Home paraffin bath unit', 'Heating pad', 'DVT pump', 'Prosthetic limb',
        'Neuromuscular electrical stimulator (NMES) unit',
        'Durable medical equipment: shower chair', 'Purchase of a TENS unit with supplies',
        'Knee sleeve', 'Back support belt', 'Lumbar-sacral orthosis',
        'Cervical traction unit for home use', 'Pneumatic compression pump rental',
        'Heated mattress pad', 'Walker with seat', 'Four-wheeled walker', 'Electric wheelchair',
        'Hospital bed with rails', 'Elevated toilet seat', 'Post-operative shoulder sling',
        'Night splint', 'Foot orthotics', 'Compression stockings 20-30 mmHg',
        'Interferential current stimulator', 'Replacement electrodes, 3 month supply',
        'Hot and cold therapy wrap', 'Shower bench', 'Ergonomic chair',
        'Wrist support for keyboard', 'Orthopedic pillow', 'Thermal therapy unit',
        'H-wave unit purchase', 'Bone stimulator', 'Forearm crutches',
        'Post-operative cryotherapy 7 day rental',
    ),
    'home_health': (
        'Home health aide 4 hours a day, 5 days a week', 'Caregiver 8 hours a day',
        'Housekeeping assistance 4 hours a week', 'Personal care attendant',
        'Assistance with activities of daily living', 'Chore services', 'Respite care',
        'Homemaker services 3 hours a week', 'Live-in caregiver', 'Home nursing visits x6',
        'Custodial care', 'Meal preparation assistance', 'Domestic help',
        'Home care services 6 hours daily', 'In-home supportive services',
        'Skilled nursing visits at home', 'Cleaning services twice a month',
        'Home health evaluation', 'Home health care 3 times a week',
        'In-home care 20 hours a week', 'Home attendant 8 hours/day', 'Nursing care at home',
        'Caregiver assistance for bathing and dressing', 'Housekeeper 2 hours weekly',
        'Home health nurse visits', 'Personal care services',
    ),
    'diagnostics': (
        'Audiogram', 'Audiometry', 'Quantitative sensory testing', 'EEG',
        'Videonystagmography (VNG)', 'Vitamin D level', 'Hemoglobin A1c', 'Liver function tests',
        'Thyroid panel', 'Sed rate and CRP', 'Computerized range of motion testing',
        'Discography L3-S1', 'CT myelography', 'Thermography',
        'Videofluoroscopy of the cervical spine', 'Holter monitor', 'Pulmonary function test',
        'Pharmacogenetic testing', 'Cytochrome P450 testing', 'Tilt table test',
        'Flexion-extension x-rays of the lumbar spine', 'SPECT scan', 'Bone density scan',
        'EMG/NCS of the upper extremities', 'Urine toxicology screen',
        'Nerve conduction velocity study', 'MRI arthrogram of the shoulder',
        'Electronystagmography', 'Vestibular testing', 'Hepatic panel', 'Venipuncture',
        'Serum drug levels', 'Functional capacity evaluation', 'Upright MRI of the cervical spine',
        'Chest x-ray', 'Diagnostic ultrasound of the wrist', 'Sleep study', 'CT scan of the head',
        'X-rays of both hands', 'MRI lumbar spine without contrast', 'Lower extremity EMG',
        'Bilateral upper extremity NCV', 'Urine drug test', 'Comprehensive metabolic panel',
        'Hepatitis panel', 'Electrocardiogram', 'Bone scan, whole body', 'Lumbar discogram',
        'Ultrasound of the knee', 'Repeat MRI of the shoulder', 'Drug screen',
        'Pre-op chest x-ray', 'Serum testosterone level', 'Renal function tests',
        'Functional capacity evaluation, 2 days', 'Nerve conduction study of the legs',
        'Sleep apnea study',
    ),
    'evaluation_management': (
        'Follow-up with the PCP', 'Primary treating physician visits x4',
        'Cardiology consultation', 'Urology referral', 'Dermatology consult',
        'Gastroenterology evaluation', 'Ophthalmology referral', 'Telemedicine visit',
        'Hand surgeon evaluation', 'Spine surgeon consultation', 'Pre-operative medical clearance',
        'Neurology consult', 'Internal medicine evaluation', 'ENT consultation',
        'Pain management referral', 'Orthopedic follow-up visits x6', 'Endocrinologist visit',
        'Pain medicine consultation', 'Follow-up office visit in 4 weeks',
        'Orthopedic consultation', 'Neurosurgical consultation', 'Referral to a rheumatologist',
        'Second opinion with a hand specialist', 'Internal medicine follow-up',
        'Sports medicine referral', 'Visit with the primary treating physician', 'Podiatry visit',
    ),
    'injections': (
        'Prolotherapy to the knee', 'Caudal epidural', 'Interlaminar ESI at C6-7',
        'Hyaluronic acid injections x3', 'Durolane', 'Monovisc injection', 'Gelsyn-3 series',
        'Stem cell injection, knee', 'Ketamine infusion', 'Stellate ganglion block',
        'Genicular nerve radiofrequency ablation', 'B12 shot', 'Kenalog injection to the shoulder',
        'Intradiscal biacuplasty', 'Sacroiliac joint injection under fluoroscopy',
        'Lumbar epidural steroid injection', 'Cervical facet injection C4-5',
        'Medial branch blocks L3-5', 'Radiofrequency neurotomy L4-S1',
        'Trigger point injections x4', 'Cortisone injection of the elbow',
        'PRP injection, right shoulder', 'Synvisc-One', 'Botox injections for headaches',
        'Greater occipital nerve block',
    ),
    'surgery': (
        'ACDF C5-6', 'TLIF L4-5', 'XLIF L3-4', 'ALIF L5-S1', 'Microdiscectomy L5-S1',
        'Ulnar nerve transposition', 'Amputation of the right index finger', 'Bone graft',
        'Manipulation under anesthesia of the shoulder', 'Lysis of adhesions',
        'Total shoulder arthroplasty', 'Carpal tunnel release',
        'Knee arthroscopy with partial meniscectomy', 'Lumbar laminectomy',
        'Spinal cord stimulator implantation', 'Tendon transfer', 'Overnight stay x1',
        'Cervical disc arthroplasty', 'Trigger finger release', 'Kyphoplasty T12',
        'Anterior cervical discectomy and fusion C5-7',
        'Right shoulder arthroscopy with subacromial decompression', 'Lumbar fusion L4-S1',
        'Left knee replacement', 'Carpal tunnel release, left', 'Rotator cuff repair',
        'Assistant surgeon', 'Posterior lumbar interbody fusion',
        'Hip arthroscopy with labral repair', 'Two-day inpatient stay',
        'Revision of lumbar fusion', 'Ankle ORIF',
    ),
    'physical_therapy': (
        'Vestibular therapy x6', 'Land-based therapy 2x4', 'Soft tissue mobilization',
        'Joint mobilization 6 sessions', 'Graston technique 6 sessions',
        'Active release technique', 'Physio 2x3', 'Occupational therapy 12 visits',
        'Aquatic therapy 2x6', 'Work hardening 10 visits', 'Post-op physical therapy x24',
        'Mechanical traction 2x4 in clinic', 'Kinesio taping', 'Therapeutic exercise 8 sessions',
        'Hand therapy 12 sessions', 'In-home physical therapy x8', 'Physical therapy 2x4 weeks',
        'Occupational therapy 8 sessions', 'Aquatic therapy x12', 'Post-operative PT x 12',
        'Work conditioning 12 sessions', 'Massage therapy 6 sessions', 'Infrared therapy x4',
        'Therapeutic ultrasound 6 treatments', 'Home exercise instruction', 'Hand therapy post-op',
        'Work hardening program',
    ),
    'acupuncture': (
        'Acupuncturist visits x6', 'Electroacupuncture 2x3', 'Auricular acupuncture',
        'Acupuncture with moxibustion', 'Acupressure 6 sessions', 'Acupuncture 6 visits',
        'Additional acupuncture x 6', 'Electro-acupuncture with infrared',
    ),
    'behavioral_health': (
        'Cognitive behavioral therapy x6', 'Psychiatric follow-up', 'Psychotherapy 12 sessions',
        'Biofeedback-assisted CBT', 'Neuropsychological testing', 'Psychological evaluation',
        'Psychological treatment 6 sessions', 'Psychiatric consultation', 'CBT x 10',
        'Pain psychology evaluation',
    ),
    'programs': (
        'Functional restoration program 160 hours', 'Chronic pain management program',
        'Weight Watchers', 'Residential treatment program', 'Detoxification program',
        'Gym membership 6 months', 'Inpatient rehabilitation',
        'Functional restoration program, 10 days', 'HELP program',
        'Multidisciplinary pain program',
    ),
    'other': (
        'Transportation to appointments', 'Interpreter for visits', 'Hearing aids',
        'Nurse case manager', 'Interpreter services for appointments', 'Round-trip transportation',
        'Hearing aid batteries',
    ),
    'pharmacy': (
        'Norco 10/325 #60', 'Lidoderm patch 5% #30', 'Compounded cream 240g', 'Omeprazole 20mg',
        'Theramine (medical food)', 'Ambien 10mg #30', 'Tramadol ER 150mg #30',
        'Cyclobenzaprine 7.5mg #60', 'Gabapentin 600mg #90', 'Flector patch', 'Terocin lotion',
        'Protonix 40mg', 'Docusate 100mg', 'Vitamin D supplement',
    ),
}


@pytest.mark.parametrize(("text", "category"), [
    (text, category) for category, texts in INVENTED.items() for text in texts])
def test_invented_items_of_every_category(text, category):
    assert shared_lexicon().classify(text)[0] == category


def test_whitespace_runs_count_as_one_space():
    lexicon = shared_lexicon()
    assert lexicon.classify("Chiropractic   care\n with\tmodalities (ultrasound)") == \
        lexicon.classify("Chiropractic care with modalities (ultrasound)") == ("chiropractic", None)
    assert lexicon.classify(" " * 5000 + "MRI" + " " * 5000) == ("diagnostics", None)


def test_the_head_of_an_item_is_the_text_before_its_add_ons():
    assert head("Chiropractic care with modalities") == "Chiropractic care"
    assert head("Meloxicam (Mobic) 7.5mg") == "Meloxicam"
    assert head("(Retrospective) MRI") == "(Retrospective) MRI"  # nothing before: the whole
    assert head("MRI without contrast") == "MRI without contrast"
    assert head("Physical therapy for the low back") == "Physical therapy"


def test_every_lexicon_id_is_a_label_and_bad_files_name_themselves(tmp_path):
    lexicon = load_lexicon()
    assert {cid for cid, _ in lexicon.categories} == set(CATEGORIES)
    assert {cid for cid, _ in lexicon.drug_classes} == set(DRUG_CLASSES)
    bad = tmp_path / "lexicon.json"
    for content, problem in (("{", "not a category lexicon"),
                             (('{"categories": [{"id": "x", "patterns": ["a"]}], '
                              '"drug_classes": []}'), "'x' is not one of"),
                             (('{"categories": [{"id": "other", "patterns": ["("]}], '
                              '"drug_classes": []}'), "entry 'other'")):
        bad.write_text(content, encoding="utf-8")
        with pytest.raises(PatternError, match=problem) as err:
            load_lexicon(bad)
        assert str(bad) in str(err.value)


TRAIN = [("Norco 10/325mg #60", PHARMACY, "opioid"), ("Tramadol 50mg #30", PHARMACY, "opioid"),
         ("Omeprazole 20mg #30", PHARMACY, "gi"), ("MRI of the knee", "diagnostics", None),
         ("X-ray of the spine", "diagnostics", None), ("Knee brace", "dmepos", None),
         ("Lumbar support", "dmepos", None), ("Zorblat 5mg #10", PHARMACY, "opioid")] * 3


@pytest.fixture(scope="module")
def model() -> CategoryClassifier:
    texts, categories, drugs = zip(*TRAIN)
    return CategoryClassifier(C=10.0).fit(texts, categories, drugs)


def test_the_model_decides_where_the_lexicon_is_silent(model):
    table = model.predict_table(["Knee brace", "Zorblat 10 #20", "", None])
    assert table["category"].tolist()[0] == "dmepos"
    assert table["p_category"].iloc[0] == pytest.approx((6 + 1) / (6 + 2))  # lexicon: 6/6
    assert table["category"].iloc[1] in {c for _, c, _ in TRAIN}     # the model's class
    assert 0 < table["p_category"].iloc[1] <= 1
    assert table["drug_class"].iloc[1] is None or table["category"].iloc[1] == PHARMACY
    assert len(table) == 4 and table["category"].iloc[2:].isna().all()  # nothing to read


def test_a_text_without_words_gets_no_category(model):
    table = model.predict_table(["", None, "   ", "!!!???", "42", "3.5", "Knee brace"])
    assert table["category"].tolist() == [None] * 6 + ["dmepos"]
    assert table["drug_class"].isna().all()
    assert table["p_category"].isna().tolist() == [True] * 6 + [False]


def test_drug_classes_only_for_pharmacy_and_from_the_drug_model_where_unknown(model):
    table = model.predict_table(["Zorblat 5mg #10", "MRI of the knee"])
    assert table["category"].tolist() == [PHARMACY, "diagnostics"]
    assert table["drug_class"].tolist() == ["opioid", None]


def test_an_estimator_of_scikit_learn(model):
    assert clone(model).get_params() == {"C": 10.0, "ngram_range": (2, 5)}
    with pytest.raises(ValueError, match="at least one"):
        CategoryClassifier().fit([], [], [])
    one = CategoryClassifier().fit(["MRI", "CT scan"], ["diagnostics"] * 2, [None, None])
    assert one.drug_model_ is None
    assert one.predict_table(["A thing"])["category"].tolist() == ["diagnostics"]


@pytest.mark.skipif(not REAL_LABELS.exists(), reason="../shared not present (real letters)")
def test_the_lexicon_on_the_working_half_it_was_written_from():
    """A development figure (the held-back half is scored in experiments/PROTOCOL.md only)."""
    items = [json.loads(line) for line in REAL_LABELS.read_text(encoding="utf-8").splitlines()]
    working = real_halves(item["letter_id"] for item in items)[WORKING]
    answers = [(shared_lexicon().classify(item["item_text"]), item) for item in items
               if item["letter_id"] in working]
    right = np.mean([category == item["category"] for (category, _), item in answers])
    pharmacy = [(drug, item) for (_, drug), item in answers if item["category"] == PHARMACY]
    assert right >= 0.97
    assert np.mean([drug == item["drug_class"] for drug, item in pharmacy]) >= 0.95


def test_segment_rows_carry_the_lexicon_answer_for_their_item():
    samples = Path(__file__).resolve().parents[1] / "data" / "samples" / "letters"
    rows = [row for _, letter_rows in segment_letters(sorted(samples.glob("*.txt"))[:10])
            for row in letter_rows if row["status"] == "ok"]
    assert rows
    for row in rows:
        assert (row["category"], row["drug_class"]) == shared_lexicon().classify(
            row["item_text"])
    assert any(row["category"] is not None for row in rows)


def test_scores_leave_out_categories_a_model_did_not_predict():
    items = pd.DataFrame({"decision": ["upheld", "overturned"], "reasons": [["other"], []],
                          "reasons_source": ["gold", "none"],
                          "category": ["pharmacy", "surgery"], "drug_class": ["opioid", None]})
    preds = pd.DataFrame({"decision_pred": ["upheld", "upheld"], "reasons_pred": [["other"], []],
                          "category": [None, None], "drug_class": [None, None]})
    assert not any(key.startswith("category_") for key in score(items, preds, list(REASONS)))
    preds["category"] = ["pharmacy", "dmepos"]
    preds["drug_class"] = ["opioid", None]
    scored = score(items, preds, list(REASONS))
    assert scored["category_accuracy"] == 0.5 and scored["category_drug_class_accuracy"] == 1
