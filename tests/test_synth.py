"""The synthetic letter generator: determinism, round trip through the segmenter, labels."""

from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from itertools import groupby, pairwise
from pathlib import Path
from typing import Any

import pytest

from imr_ml.corpus.synth import HARD_CASES, LAYOUTS, NoiseConfig, generate, make_letter
from imr_ml.corpus.synth.catalogue import ASSOCIATED, CATALOGUE, TREATMENTS
from imr_ml.corpus.synth.categories import category_of
from imr_ml.corpus.synth.phrasing import N_FAMILIES, ROLES, STYLES, family_of, styles_of
from imr_ml.corpus.synth.rationale import join_short
from imr_ml.corpus.synth.reword import SYNONYMS, reword
from imr_ml.labels import CATEGORIES, DRUG_CLASSES, PHARMACY, REASONS
from imr_ml.segment.parser import decided_item
from imr_ml.segment.rows import segment_letters

N_LETTERS = 1000
SPACE = re.compile(r"\s+")
QUIET = NoiseConfig(double_spacing=0, blank_paragraphs=0, hyphenation=0, page_footer=0,
                    ocr_letters=0, not_medically=0, curly_quotes=0, ligatures=0,
                    trailing_spaces=0, crlf=0)  # only line wrapping
HEAVY = NoiseConfig(double_spacing=0.5, hyphenation=1.0, page_footer=1.0, case_header=1.0,
                    page_lines=12, ocr_letters=1.0, ocr=0.05, not_medically=1.0,
                    curly_quotes=1.0, ligatures=1.0, trailing_spaces=1.0, crlf=0.5)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("synth")
    summary = generate(N_LETTERS, 0, out)
    labels, meta = _jsonl(out / "labels.jsonl"), _jsonl(out / "meta.jsonl")
    return {"out": out, "summary": summary, "labels": labels, "meta": meta}


def _round_trip(out: Path, labels: list[dict], meta: list[dict]) -> list[str]:
    """Every difference between the labels and what the segmenter reads back."""
    by_letter: dict[str, list[tuple[dict, dict]]] = defaultdict(list)
    for lab, m in zip(labels, meta):
        by_letter[lab["letter_id"]].append((lab, m))
    errors: list[str] = []
    seen = 0
    for _, rows in segment_letters([out / "letters"]):
        lid = rows[0]["letter_id"]
        expected = by_letter[lid]
        seen += 1
        if len(rows) != len(expected):
            errors.append(f"{lid}: {len(rows)} items read, {len(expected)} labelled")
            continue
        for row, (lab, m) in zip(rows, expected):
            if SPACE.sub(" ", row["item_text"]) != SPACE.sub(" ", decided_item(lab["item_text"])):
                errors.append(f"{lid}/{lab['item_index']}: item {row['item_text']!r}")
            if row["decision_stated"] != lab["decision"]:
                errors.append(f"{lid}/{lab['item_index']}: decision {row['decision_stated']}")
            if row["layout"] != m["layout"]:
                errors.append(f"{lid}: layout {row['layout']} != {m['layout']}")
    if seen != len(by_letter):
        errors.append(f"{seen} letters segmented, {len(by_letter)} labelled")
    return errors


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_files_and_other_seed_differs(tmp_path: Path) -> None:
    generate(40, 7, tmp_path / "a")
    generate(40, 7, tmp_path / "b")
    generate(40, 8, tmp_path / "c")
    a, b, c = (_files(tmp_path / x) for x in "abc")
    assert a == b
    assert a.keys() == c.keys()
    assert a["labels.jsonl"] != c["labels.jsonl"]
    assert sum(a[k] != c[k] for k in a) > 30


def test_letter_does_not_depend_on_corpus_size(tmp_path: Path) -> None:
    generate(10, 3, tmp_path / "small")
    generate(40, 3, tmp_path / "large")
    small, large = _files(tmp_path / "small"), _files(tmp_path / "large")
    for name, data in small.items():
        if name.startswith("letters"):
            assert large[name] == data, name
    for name in ("labels.jsonl", "meta.jsonl"):
        assert large[name].startswith(small[name])


def test_noise_never_changes_labels() -> None:
    for k in range(1, 30):
        _, labels_default, meta_default = make_letter(5, k)
        _, labels_heavy, meta_heavy = make_letter(5, k, HEAVY)
        assert labels_default == labels_heavy
        strip = [{**m, "noise": None} for m in meta_default]
        assert strip == [{**m, "noise": None} for m in meta_heavy]


def test_stale_letters_are_removed(tmp_path: Path) -> None:
    generate(12, 0, tmp_path)
    generate(5, 0, tmp_path)
    assert len(list((tmp_path / "letters").glob("*.txt"))) == 5


# --------------------------------------------------------------------------- round trip


def test_every_item_segments_back(corpus: dict) -> None:
    errors = _round_trip(corpus["out"], corpus["labels"], corpus["meta"])
    assert not errors, errors[:10]


def test_heavy_noise_still_segments_back(tmp_path: Path) -> None:
    generate(200, 11, tmp_path, noise=HEAVY)
    labels, meta = _jsonl(tmp_path / "labels.jsonl"), _jsonl(tmp_path / "meta.jsonl")
    kinds = Counter(k for m in meta for k in m["noise"])
    for kind in ("page_footer", "case_header", "hyphenation", "ocr", "curly_quotes",
                 "ligatures", "trailing_spaces", "crlf", "double_spacing"):
        assert kinds[kind], kind
    errors = _round_trip(tmp_path, labels, meta)
    assert not errors, errors[:10]


def test_guideline_sources_match_the_segmenter(corpus: dict) -> None:
    """Where each item names its own guidelines, the segmenter reads the labelled sources."""
    labels = {(r["letter_id"], r["item_index"]): r for r in corpus["labels"]}
    layouts = {m["letter_id"]: m["layout"] for m in corpus["meta"]}
    files = sorted((corpus["out"] / "letters").glob("*.txt"))[:300]
    mismatched = [
        (row["letter_id"], row["item_index"])
        for _, rows in segment_letters(files) for row in rows
        if layouts[row["letter_id"]] != "issue_at_dispute"
        and [g["source"] for g in row["guidelines"]]
        != labels[(row["letter_id"], row["item_index"])]["guidelines"]
    ]
    assert not mismatched, mismatched[:10]


# --------------------------------------------------------------------------- content


def test_class_balance_and_layouts(corpus: dict) -> None:
    decisions = Counter(r["decision"] for r in corpus["labels"])
    upheld = decisions["upheld"] / sum(decisions.values())
    assert 0.88 <= upheld <= 0.92, upheld
    layouts = Counter(m["layout"] for m in corpus["meta"] if m["item_index"] == 0)
    assert set(layouts) == set(LAYOUTS)
    assert layouts.most_common(1)[0][0] == "issues_decisions"
    sizes = Counter(r["letter_id"] for r in corpus["labels"])
    assert 0.01 <= sum(n >= 10 for n in sizes.values()) / len(sizes) <= 0.06
    assert max(sizes.values()) <= 20
    partial = sum(m["partial"] for m in corpus["meta"])
    assert 0.005 <= partial / len(corpus["meta"]) <= 0.05
    for lab, m in zip(corpus["labels"], corpus["meta"]):
        if m["partial"]:
            assert "was the original request." in lab["item_text"]
            assert "was authorized by the Claims Administrator." in lab["item_text"]


def test_every_reason_occurs(corpus: dict) -> None:
    reasons = Counter(x for r in corpus["labels"] for x in r["reasons"])
    assert set(reasons) == set(REASONS)
    assert reasons.most_common(1)[0][0] == "no_indication"


def test_catalogue_and_styles() -> None:
    assert len(TREATMENTS) >= 30
    for kind in (*REASONS, "overturned", "conclusion"):
        styles = styles_of(kind)
        assert len(styles) >= 6, kind
        for family in range(N_FAMILIES):
            assert styles_of(kind, family), (kind, family)
    ids = [s.id for s in STYLES]
    assert len(ids) == len(set(ids))


def test_families_share_no_template() -> None:
    owner: dict[str, int] = {}
    for style in STYLES:
        for steps in style.grounds.values():
            for step in steps:
                for template in step:
                    if template:
                        assert owner.setdefault(template, style.family) == style.family, \
                            template
    by_family = [{s.id for s in STYLES if s.family == f} for f in range(N_FAMILIES)]
    for i in range(N_FAMILIES):
        for j in range(i + 1, N_FAMILIES):
            assert not by_family[i] & by_family[j]


def test_styles_in_meta_are_known_and_from_the_letters_family(corpus: dict) -> None:
    known = {s.id for s in STYLES}
    used: set[str] = set()
    families: dict[str, set[int]] = defaultdict(set)
    for m in corpus["meta"]:
        assert m["styles"], m
        assert set(m["styles"]) <= known
        used.update(m["styles"])
        families[m["letter_id"]].add(m["style_family"])
        assert {family_of(s) for s in m["styles"]} == {m["style_family"]}
    assert all(len(f) == 1 for f in families.values())
    for kind in (*REASONS, "overturned", "conclusion"):
        assert {s.id for s in styles_of(kind)} <= used, kind


def test_every_hard_case_occurs(corpus: dict) -> None:
    tags = Counter(t for m in corpus["meta"] for t in m["hard_cases"])
    assert set(HARD_CASES) <= set(tags), set(HARD_CASES) - set(tags)
    assert set(tags) <= set(HARD_CASES)
    layouts = {m["letter_id"]: m["layout"] for m in corpus["meta"]}
    for m in corpus["meta"]:
        if "no_conclusion" in m["hard_cases"]:
            assert layouts[m["letter_id"]] != "issue_at_dispute"


def test_labels_obey_the_schema(corpus: dict) -> None:
    keys = {"letter_id", "item_index", "item_text", "decision", "reasons", "category",
            "drug_class", "guidelines", "label_source"}
    index: dict[str, int] = defaultdict(int)
    for row, m in zip(corpus["labels"], corpus["meta"]):
        assert set(row) == keys
        assert (row["letter_id"], row["item_index"]) == (m["letter_id"], m["item_index"])
        assert row["item_index"] == index[row["letter_id"]]
        index[row["letter_id"]] += 1
        assert re.fullmatch(r"synth_\d{6}", row["letter_id"])
        assert row["decision"] in ("upheld", "overturned")
        assert bool(row["reasons"]) == (row["decision"] == "upheld")
        assert row["reasons"] == sorted(set(row["reasons"]))
        assert set(row["reasons"]) <= set(REASONS)
        assert row["guidelines"] and set(row["guidelines"]) <= {"MTUS", "ACOEM", "ODG",
                                                                 "other"}
        assert row["label_source"] == "gold"
        assert row["item_text"] == row["item_text"].strip() and row["item_text"]
        assert row["category"] in CATEGORIES
        assert (row["drug_class"] in DRUG_CLASSES) == (row["category"] == PHARMACY)
        assert row["drug_class"] is None or row["category"] == PHARMACY


@pytest.mark.parametrize("treatment", [*TREATMENTS, *ASSOCIATED.values()],
                         ids=lambda t: t.key)
def test_every_treatment_has_a_category_and_pharmacy_a_drug_class(treatment) -> None:
    for text in (*treatment.items, *treatment.noqty_items):
        category, drug_class = category_of(treatment, text)
        assert category in CATEGORIES
        assert (drug_class in DRUG_CLASSES) == (category == PHARMACY), text


def test_rationales_have_realistic_length(corpus: dict) -> None:
    labels = {(r["letter_id"], r["item_index"]): r for r in corpus["labels"]}
    meta = {(m["letter_id"], m["item_index"]): m for m in corpus["meta"]}
    files = sorted((corpus["out"] / "letters").glob("*.txt"))[:200]
    lengths = []
    for _, rows in segment_letters(files):
        for row in rows:
            key = (row["letter_id"], row["item_index"])
            if meta[key]["category"] != "associated" and labels[key]:
                lengths.append(len(row["rationale"].split()))
    lengths.sort()
    median = lengths[len(lengths) // 2]
    assert 60 <= median <= 200, median
    assert lengths[int(0.95 * len(lengths))] <= 300


def test_no_checklist_or_question_templates() -> None:
    """Reviewers argue in prose: no question-and-answer or checklist templates in any family."""
    artefact = re.compile(r"\?(?!\])|\b(?:Yes|No)[:;.]|[Cc]riterion (?:not )?met\b")
    for style in STYLES:
        for steps in style.grounds.values():
            for step in steps:
                for template in step:
                    assert not artefact.search(template.replace("[?", "[")), (style.id,
                                                                               template)


# --------------------------------------------------------------------------- sentence roles


@pytest.fixture(scope="module")
def quiet_items(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """Items of noise-free letters: label, meta and the segmented rationale (whitespace
    collapsed), which is the text the recorded role offsets point into."""
    out = tmp_path_factory.mktemp("quiet")
    generate(300, 1, out, noise=QUIET)
    labels = {(r["letter_id"], r["item_index"]): r for r in _jsonl(out / "labels.jsonl")}
    meta = {(m["letter_id"], m["item_index"]): m for m in _jsonl(out / "meta.jsonl")}
    items = []
    for _, rows in segment_letters([out / "letters"]):
        for row in rows:
            key = (row["letter_id"], row["item_index"])
            items.append({**labels[key], **meta[key],
                          "rationale": " ".join((row["rationale"] or "").split())})
    return items


def _sentences(item: dict, role: str) -> list[str]:
    return [item["rationale"][a:b] for a, b, r in item["roles"] if r == role]


def test_roles_cover_every_sentence(quiet_items: list[dict]) -> None:
    """The role spans tile each rationale: contiguous, one space apart, to its last character."""
    for item in quiet_items:
        spans, text = item["roles"], item["rationale"]
        assert spans and spans[0][0] == 0, item["letter_id"]
        assert spans[-1][1] == len(text), item["letter_id"]
        for (_, end, _), (start, _, _) in pairwise(spans):
            assert start == end + 1 and text[end] == " ", item["letter_id"]
        assert {r for _, _, r in spans} <= set(ROLES)
        for a, b, _ in spans:
            assert text[a:b].strip() == text[a:b] and text[b - 1] in ".?!:", text[a:b]


def test_every_reason_has_a_finding_and_verdicts_are_conclusions(quiet_items: list[dict]
                                                                 ) -> None:
    for item in quiet_items:
        if item["decision"] == "upheld" and "not_recommended" not in item["reasons"]:
            assert _sentences(item, "finding"), item["letter_id"]
        for sentence in _sentences(item, "conclusion"):
            assert re.search(r"necess|certif|medically|opioid|taper", sentence), sentence
    roles = Counter(r for item in quiet_items for _, _, r in item["roles"])
    assert set(roles) == set(ROLES)


def _treatment(item: dict) -> Any:
    return CATALOGUE.get(item["treatment"]) or ASSOCIATED[item["treatment"]]


def _quantity_restated(item: dict) -> bool:
    t = _treatment(item)
    allowed = t.qty.allowed_text if t.qty else ()
    return any(a in s for s in _sentences(item, "guideline") for a in allowed)


def _fi_restated(item: dict) -> bool:
    return any("function" in s for s in _sentences(item, "guideline"))


@pytest.mark.parametrize(("reason", "criterion", "restated", "floor"), [
    ("exceeds_guideline_quantity", "qty", _quantity_restated, 0.3),
    ("no_functional_improvement", "fi", _fi_restated, 0.25),
])
def test_guideline_sentences_restate_other_reasons_criteria(
        quiet_items: list[dict], reason: str, criterion: str,
        restated: Callable[[dict], bool], floor: float) -> None:
    """A criterion (quantity limits, functional improvement) is restated in guideline
    sentences as often when it is not a ground of the denial as when it is: only findings
    tell the reasons apart."""
    upheld = [i for i in quiet_items if i["decision"] == "upheld"
              and getattr(_treatment(i), criterion) and i["category"] != "associated"]
    ground = [restated(i) for i in upheld if reason in i["reasons"]]
    other = [restated(i) for i in upheld if reason not in i["reasons"]]
    assert len(ground) >= 20 and len(other) >= 20, (len(ground), len(other))
    rate_ground, rate_other = sum(ground) / len(ground), sum(other) / len(other)
    assert rate_other >= floor, rate_other
    assert abs(rate_ground - rate_other) <= 0.2, (rate_ground, rate_other)


def test_some_findings_are_buried_among_history(quiet_items: list[dict]) -> None:
    buried = [i for i in quiet_items if "buried_finding" in i["hard_cases"]]
    assert buried
    for item in buried:
        roles = [r for _, _, r in item["roles"]]
        assert any(a == "history" and b == "finding" for a, b in pairwise(roles)), roles


def test_joined_sentences_keep_their_role() -> None:
    """Short neighbours of one role may be run together; a verdict, a sentence opening with a
    connector and sentences of different roles never are."""
    rng = random.Random(3)
    sentences = [("The patient had therapy.", "history"), ("Pain persists.", "history"),
                 ("No deficits were documented.", "finding"),
                 ("Additionally, nothing improved.", "finding"),
                 ("The request is not medically necessary.", "conclusion"),
                 ("This is final.", "conclusion")]
    joined = [join_short(sentences, rng) for _ in range(100)]
    assert any(len(out) < len(sentences) for out in joined)
    for out in joined:
        assert out[-2:] == sentences[-2:]
        assert [r for r, _ in groupby(r for _, r in out)] == ["history", "finding",
                                                              "conclusion"]
        assert ("Additionally, nothing improved.", "finding") in out
        assert all(r == "history" for t, r in out if "therapy" in t or "persists" in t)


def test_reword_varies_catalogue_phrases_only_through_synonyms() -> None:
    text = "a trial of conservative care with documented deficits on examination"
    outs = {reword(text, random.Random(i)) for i in range(60)}
    assert len(outs) >= 6
    for out in outs:
        assert out.startswith(SYNONYMS["a trial of"]) and " with " in out
        assert out.endswith(SYNONYMS["examination"])
    assert all(key in values for key, values in SYNONYMS.items())


def test_a_guideline_total_leaves_room_for_prior_sessions():
    """Where a treatment's allowance is a total (`Qty.total`), every quantity-compliant request
    leaves room for some prior sessions (`plan._prior_within` draws them within the total)."""
    totals = [t.qty for t in TREATMENTS if t.qty is not None and t.qty.total]
    assert totals
    for q in totals:
        assert max(q.within) + 2 <= q.allowed < min(q.exceed)
