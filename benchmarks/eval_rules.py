"""Evaluate the rule-based reason labeller (imr_ml.corpus.rules) on the real letters of ../shared.

For the upheld items of the 97 real letters, split by letter into DEV (even positions of the
sorted letter ids) and EVAL (odd positions): per-label precision / recall / F1, micro-F1 over
the three required labels, micro- and macro-F1 over all five, for the rules (with the
annotation guide's fallback "other" when nothing fires) and for the trivial baseline
"always no_indication". EVAL is the honest figure (patterns were written looking at DEV only).
Also: the decision heuristic predicts_upheld on all items, and labelling speed.

    .venv/bin/python benchmarks/eval_rules.py [--shared ../shared] [--errors]

``--errors`` lists the DEV items the rules get wrong (a development aid; never EVAL).
Anchors from the project brief (reasons, micro-F1 over the three required labels): word
TF-IDF + logistic regression on ~230 real items 0.82, always no_indication 0.69, human
annotators 0.93.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from imr_ml.corpus.rules import ReasonLabeller
from imr_ml.corpus.splits import WORKING, real_halves
from imr_ml.labels import REASONS, REQUIRED_REASONS

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared"
# Verdict sentences ("... is (not) medically necessary ...") are masked for the decision model.
_VERDICT = re.compile(r"[^.]*\b(?:medically\s+)?(?:necessary|appropriate)\b[^.]*\.?", re.IGNORECASE)


def load_items(shared: Path) -> list[dict]:
    """Segment the real letters and join the gold labels: one dict per item."""
    from imr_ml.segment.rows import segment_letters

    real = shared / "real"
    gold = {}
    for line in (real / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        gold[(row["letter_id"], row["item_index"])] = row
    items = []
    for _, rows in segment_letters([real / "letters"]):
        for row in rows:
            label = gold.get((row["letter_id"], row["item_index"]))
            if label is None:
                continue
            items.append({"letter_id": row["letter_id"], "item_index": row["item_index"],
                          "item_text": row["item_text"], "rationale": row["rationale"] or "",
                          "decision": label["decision"], "reasons": label["reasons"]})
    return items


def split(items: list[dict]) -> dict[str, list[dict]]:
    """DEV = the working half (letters at even positions of the sorted letter ids), EVAL = the
    held-back half (`imr_ml.corpus.splits.real_halves`)."""
    dev = real_halves(it["letter_id"] for it in items)[WORKING]
    return {"DEV": [it for it in items if it["letter_id"] in dev],
            "EVAL": [it for it in items if it["letter_id"] not in dev],
            "ALL": items}


def scores(gold: list[list[str]], pred: list[list[str]],
           labels: tuple[str, ...] = REASONS) -> dict:
    """Per-label P/R/F1 and micro/macro F1 over ``labels``."""
    counts = {lab: [0, 0, 0] for lab in labels}           # tp, fp, fn
    for g, p in zip(gold, pred, strict=True):
        for lab in labels:
            counts[lab][0] += lab in g and lab in p
            counts[lab][1] += lab not in g and lab in p
            counts[lab][2] += lab in g and lab not in p
    per = {lab: _prf(*c) for lab, c in counts.items()}
    tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
    return {"per_label": per, "micro": _prf(tp, fp, fn)[2],
            "macro": sum(v[2] for v in per.values()) / len(per),
            "support": {lab: c[0] + c[2] for lab, c in counts.items()}}


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def report(name: str, gold: list[list[str]], pred: list[list[str]]) -> dict:
    full = scores(gold, pred)
    req = scores(gold, pred, REQUIRED_REASONS)
    print(f"  {name}")
    for lab in REASONS:
        p, r, f = full["per_label"][lab]
        print(f"    {lab:28s} P {p:.2f}  R {r:.2f}  F1 {f:.2f}  (n={full['support'][lab]})")
    print(f"    micro-F1 (3 required) {req['micro']:.3f}   micro-F1 (5) {full['micro']:.3f}"
          f"   macro-F1 (5) {full['macro']:.3f}")
    return {"micro3": req["micro"], "micro5": full["micro"], "macro5": full["macro"]}


def mask_verdicts(text: str) -> str:
    """A stand-in verdict mask: drop sentences that say 'necessary' / 'appropriate'."""
    return _VERDICT.sub(" ", text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--errors", action="store_true", help="list DEV errors (development aid)")
    ap.add_argument("--parts", default="DEV,EVAL,ALL",
                    help="comma-separated subset of DEV,EVAL,ALL (iterate on DEV only)")
    args = ap.parse_args(argv)
    if not (args.shared / "real" / "labels.jsonl").exists():
        print(f"skipped: {args.shared}/real not present (the real letters are needed)")
        return 0

    labeller = ReasonLabeller()
    items = load_items(args.shared)
    wanted = [p.strip().upper() for p in args.parts.split(",") if p.strip()]
    parts = {k: v for k, v in split(items).items() if k in wanted}
    summary = {}
    for part, part_items in parts.items():
        upheld = [it for it in part_items if it["decision"] == "upheld"]
        n_letters = len({it["letter_id"] for it in part_items})
        print(f"\n{part}: {len(upheld)} upheld items from {n_letters} letters")
        gold = [it["reasons"] for it in upheld]
        pred = labeller.label_many([it["rationale"] for it in upheld], fallback="other")
        summary[part] = {"rules": report("rules (fallback other)", gold, pred),
                         "always_no_indication":
                             report("always no_indication", gold, [["no_indication"]] * len(gold))}
        if args.errors and part == "DEV":
            for it, p in zip(upheld, pred, strict=True):
                if set(p) != set(it["reasons"]):
                    print(f"    ! {it['letter_id']}#{it['item_index']} gold {sorted(it['reasons'])}"
                          f" pred {sorted(p)}")

    print("\nSummary (micro-F1 over the 3 required labels):")
    for part, s in summary.items():
        print(f"  {part:4s} rules {s['rules']['micro3']:.3f}   "
              f"always no_indication {s['always_no_indication']['micro3']:.3f}")
    print("  anchors: TF-IDF+LR 0.82, always no_indication 0.69, annotators 0.93")

    print("\nDecision heuristic predicts_upheld (verdict sentences masked), all items:")
    for part, part_items in parts.items():
        masked = [mask_verdicts(it["rationale"]) for it in part_items]
        pred_up = labeller.predicts_upheld_many(masked)
        gold_up = [it["decision"] == "upheld" for it in part_items]
        tp = sum(p and g for p, g in zip(pred_up, gold_up, strict=True))
        tn = sum(not p and not g for p, g in zip(pred_up, gold_up, strict=True))
        n_up, n_ov = sum(gold_up), len(gold_up) - sum(gold_up)
        acc = (tp + tn) / len(gold_up)
        bal = 0.5 * (tp / n_up + tn / n_ov) if n_up and n_ov else float("nan")
        print(f"  {part:4s} accuracy {acc:.3f}  balanced {bal:.3f}  "
              f"upheld recall {tp}/{n_up}  overturned recall {tn}/{n_ov}  "
              f"(always upheld: accuracy {n_up / len(gold_up):.3f}, balanced 0.500)")

    texts = [it["rationale"] for it in items]
    texts = (texts * (1000 // len(texts) + 1))[:1000]
    words = sum(len(t.split()) for t in texts) / len(texts)
    labeller.label_many(texts[:50])
    t0 = time.perf_counter()
    labeller.label_many(texts)
    dt = time.perf_counter() - t0
    print(f"\nSpeed: label_many over 1,000 rationales (mean {words:.0f} words) "
          f"{dt:.2f} s ({1000 / dt:.0f} per second, one process)")
    by_part = defaultdict(dict)
    for part, s in summary.items():
        by_part[part] = {k: round(v, 3) for k, v in s["rules"].items()}
    print(json.dumps(by_part))
    return 0


if __name__ == "__main__":
    sys.exit(main())
