"""Deterministic generator of realistic, labelled IMR determination letters.

``generate(n, seed, out_dir)`` writes ``out_dir/letters/<letter_id>.txt``,
``out_dir/labels.jsonl`` (one line per item, the label contract of the design) and
``out_dir/meta.jsonl`` (one line per item: layout, treatment, style family and style ids,
hard-case tags, noise kinds, and ``roles``: ``[start, end, role]`` of each rationale sentence,
character offsets into the rationale as written before noise, i.e. the segmented rationale
with its whitespace collapsed where no noise fell inside it; roles are `phrasing.ROLES`). Letter ``k`` depends only on
``(seed, k)`` (and its noise on the NoiseConfig too), so the same arguments give
byte-identical files and a letter does not change with ``n``.

Modules: `catalogue` (treatments and guideline facts), `body`/`case` (the claimant),
`plan` (items and labels), `phrasing` (styles as data) with `fill` (slot filling),
`rationale` (writing a rationale, with `reword` varying the catalogue's phrases),
`render` (the four layouts), `noise` (PDF-extraction noise).
"""

from __future__ import annotations

import json
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from imr_ml.corpus.synth.case import case_slots, make_case
from imr_ml.corpus.synth.catalogue import ASSOCIATED, CATALOGUE, TREATMENTS
from imr_ml.corpus.synth.categories import category_of
from imr_ml.corpus.synth.noise import NoiseConfig, apply
from imr_ml.corpus.synth.phrasing import FAMILY_VOCAB, N_FAMILIES, STYLES, family_of
from imr_ml.corpus.synth.plan import plan_letter
from imr_ml.corpus.synth.rationale import compose
from imr_ml.corpus.synth.render import LAYOUT_WEIGHTS, RENDERERS

__all__ = [
    "ASSOCIATED",
    "CATALOGUE",
    "HARD_CASES",
    "LAYOUTS",
    "STYLES",
    "TREATMENTS",
    "NoiseConfig",
    "family_of",
    "generate",
    "letter_id",
    "make_letter",
]

LAYOUTS = tuple(LAYOUT_WEIGHTS)
HARD_CASES = (
    "criterion_met",  # overturned: a criterion is named and found met
    "within_quantity",  # the amount requested is within the guideline
    "multi_reason",  # two or three reasons in one rationale
    "fi_indication_wording",  # "no indication that ... improving function" (a FI reason)
    "affirmed_other_reason",  # upheld, yet one criterion is affirmed ("... is provided")
    "no_conclusion",  # the rationale never states the verdict (stated elsewhere)
    "unusual_conclusion",  # "cannot be recommended", "non-certified", "is established" ...
    "verdict_first",  # the rationale opens with its verdict
    "surgery_associated",  # denied because the surgery it belongs to was denied
    "partial",  # partly authorised: "X was the original request. ..."
    "buried_finding",  # a reason's finding told among the history sentences
)
PLURAL = {"decision": "decisions", "reason": "reasons", "layout": "layouts",
          "family": "families", "hard_case": "hard_cases"}
# How often each style family writes a letter: most real reviewers write in the formal
# register of family 0, few in the narrative one of family 1.
FAMILY_WEIGHTS = (0.72, 0.05, 0.23)
REGION_WEIGHTS = {"lumbar": 35, "cervical": 17, "shoulder": 14, "knee": 8, "wrist": 8,
                  "ankle": 4, "elbow": 3, "hip": 3, "thoracic": 2}


def letter_id(k: int) -> str:
    return f"synth_{k:06d}"


def _rng(kind: str, seed: int, k: int) -> random.Random:
    return random.Random(f"imr-synth/{kind}/{seed}/{k}")


def make_letter(seed: int, k: int, noise: NoiseConfig | None = None
                ) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """Letter number k (1-based) of a corpus: its text, label rows and meta rows."""
    rng = _rng("content", seed, k)
    lid = letter_id(k)
    layout = rng.choices(LAYOUTS, [LAYOUT_WEIGHTS[x] for x in LAYOUTS])[0]
    family = rng.choices(range(N_FAMILIES), FAMILY_WEIGHTS)[0]
    names = list(REGION_WEIGHTS)
    regions: list[str] = []
    for _ in range(rng.choices((1, 2, 3), (55, 35, 10))[0]):
        r = rng.choices(names, [REGION_WEIGHTS[x] for x in names])[0]
        if r not in regions:
            regions.append(r)
    case = make_case(rng, layout, regions)
    items = plan_letter(rng, case, layout)
    base = case_slots(case, rng)
    pt = rng.choice(FAMILY_VOCAB[family]["pt"])
    base["pt"] = pt
    base["pt_poss"] = pt + "'s"
    rats = [compose(item, case, family, layout, base, rng) for item in items]
    letter = RENDERERS[layout](case, items, rats, rng)
    text, kinds = apply(letter, case.case_number, noise or NoiseConfig(),
                        _rng("noise", seed, k))
    labels, meta = [], []
    for index, (item, r) in enumerate(zip(items, rats)):
        category, drug_class = category_of(item.treatment, item.item_text)
        labels.append({
            "letter_id": lid, "item_index": index, "item_text": item.item_text,
            "decision": item.decision,
            "reasons": sorted(item.reasons) if item.decision == "upheld" else [],
            "category": category, "drug_class": drug_class,
            "guidelines": item.guidelines, "label_source": "gold",
        })
        meta.append({
            "letter_id": lid, "item_index": index, "layout": layout,
            "treatment": item.treatment.key, "category": item.treatment.category,
            "style_family": family, "styles": r.styles, "hard_cases": r.tags,
            "partial": item.partial, "noise": kinds,
            "roles": [list(span) for span in r.roles],
        })
    return text, labels, meta


def generate(n_letters: int, seed: int, out_dir: Path, *, noise: NoiseConfig | None = None,
             progress: bool = False) -> dict[str, Any]:
    """Write a corpus of n_letters letters; returns summary counts."""
    out_dir = Path(out_dir)
    letters_dir = out_dir / "letters"
    letters_dir.mkdir(parents=True, exist_ok=True)
    for stale in letters_dir.glob("synth_*.txt"):
        stale.unlink()
    counts: dict[str, Counter[str]] = {k: Counter() for k in (
        "decision", "reason", "layout", "family", "hard_case")}
    n_items = n_partial = 0
    with open(out_dir / "labels.jsonl", "w", encoding="utf-8", newline="\n") as lab, \
            open(out_dir / "meta.jsonl", "w", encoding="utf-8", newline="\n") as met:
        for k in range(1, n_letters + 1):
            text, labels, meta = make_letter(seed, k, noise)
            (letters_dir / f"{letter_id(k)}.txt").write_bytes(text.encode("utf-8"))
            for row, m in zip(labels, meta):
                lab.write(json.dumps(row, ensure_ascii=False) + "\n")
                met.write(json.dumps(m, ensure_ascii=False) + "\n")
                counts["decision"][row["decision"]] += 1
                counts["reason"].update(row["reasons"])
                counts["hard_case"].update(m["hard_cases"])
                n_items += 1
                n_partial += m["partial"]
            counts["layout"][meta[0]["layout"]] += 1
            counts["family"][str(meta[0]["style_family"])] += 1
            if progress and k % 500 == 0:
                print(f"synth: {k}/{n_letters} letters", file=sys.stderr)
    return {
        "letters": n_letters, "items": n_items, "partial": n_partial, "seed": seed,
        "out_dir": str(out_dir),
        **{PLURAL[name]: dict(sorted(c.items())) for name, c in counts.items()},
    }
