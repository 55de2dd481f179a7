"""How well the sentence-role rules (imr_ml.segment.roles) agree with hand-annotated roles.

    .venv/bin/python benchmarks/eval_roles.py [--shared ../shared]
        [--annotations data/annotations/sentence_roles.jsonl]

The annotations (data/annotations/README.md) are offsets into the segmenter's rationales of
working-half letters of ../shared/real that were not read while the cues were written. Prints
per-role precision, recall and F1, accuracy and the confusion matrix: over every annotated
sentence, and over distinct sentences (a sentence repeated word for word in several items
of one letter counted once); and, for scale, the accuracy of the order alone (the first
sentence guideline, the last conclusion, the rest finding). Prints no letter text.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from imr_ml.corpus.splits import WORKING, real_halves
from imr_ml.segment import segment_letters
from imr_ml.segment.roles import ROLES, RoleLabeller

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared"
DEFAULT_ANNOTATIONS = ROOT / "data" / "annotations" / "sentence_roles.jsonl"

Key = tuple[str, int, int, int]  # letter_id, item_index, start, end


def load_annotations(path: Path) -> dict[Key, str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return {(r["letter_id"], r["item_index"], r["start"], r["end"]): r["role"] for r in rows}


def predict(letters: Path, letter_ids: set[str]
            ) -> tuple[dict[Key, str], dict[Key, str], dict[Key, str]]:
    """The labeller's role of each sentence of the letters' rationales, each sentence's text
    (kept in memory to find repeats; never printed), and the role by order alone."""
    labeller = RoleLabeller()
    roles: dict[Key, str] = {}
    texts: dict[Key, str] = {}
    order: dict[Key, str] = {}
    paths = [letters / f"{letter_id}.pdf" for letter_id in sorted(letter_ids)]
    for _, rows in segment_letters(paths):
        for row in rows:
            rationale = row["rationale"] or ""
            labelled = labeller.label(rationale)
            for i, (start, end, role) in enumerate(labelled):
                key = (row["letter_id"], row["item_index"], start, end)
                roles[key] = role
                texts[key] = " ".join(rationale[start:end].split())
                order[key] = ("conclusion" if i == len(labelled) - 1 else
                              "guideline" if i == 0 else "finding")
    return roles, texts, order


def report(title: str, pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Per-role P/R/F1, accuracy and the confusion matrix of (gold, predicted) pairs."""
    counts = Counter(pairs)
    print(f"\n{title}: {len(pairs)} sentences")
    print(f"  {'role':<12}{'precision':>10}{'recall':>8}{'F1':>7}{'gold':>6}{'pred':>6}")
    f1s = []
    for role in ROLES:
        tp = counts[(role, role)]
        gold = sum(n for (g, _), n in counts.items() if g == role)
        pred = sum(n for (_, p), n in counts.items() if p == role)
        p = tp / pred if pred else 0.0
        r = tp / gold if gold else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        f1s.append(f1)
        print(f"  {role:<12}{p:>10.2f}{r:>8.2f}{f1:>7.2f}{gold:>6}{pred:>6}")
    accuracy = sum(counts[(r, r)] for r in ROLES) / len(pairs) if pairs else 0.0
    macro = sum(f1s) / len(f1s)
    print(f"  accuracy {accuracy:.3f}   macro-F1 {macro:.3f}")
    print("  confusion (rows: annotated, columns: predicted)")
    print("  " + " " * 12 + "".join(f"{r[:10]:>11}" for r in ROLES))
    for gold in ROLES:
        print(f"  {gold:<12}" + "".join(f"{counts[(gold, p)]:>11}" for p in ROLES))
    return {"accuracy": accuracy, "macro_f1": macro}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--annotations", type=Path, default=DEFAULT_ANNOTATIONS)
    args = ap.parse_args(argv)
    letters = args.shared / "real" / "letters"
    if not letters.is_dir():
        print(f"skipped: {letters} not present (the real letters are needed)")
        return 0
    gold = load_annotations(args.annotations)
    letter_ids = {key[0] for key in gold}
    working = real_halves(p.stem for p in letters.glob("*.pdf"))[WORKING]
    outside = sorted(letter_ids - working)
    if outside:  # the protocol: never the held-back half
        print(f"refused: annotations name letters outside the working half: {outside}")
        return 2
    predicted, texts, order = predict(letters, letter_ids)
    missing = [key for key in gold if key not in predicted]
    if missing:
        print(f"{len(missing)} annotated sentences are not sentences of the labeller "
              f"(e.g. {missing[0]}): the segmenter or the splitter changed since")
        return 1
    items = len({key[:2] for key in gold})
    print(f"{len(gold)} annotated sentences of {items} items in {len(letter_ids)} letters "
          f"(working half, not read while writing the cues)")
    summary = report("All annotated sentences", [(gold[k], predicted[k]) for k in gold])
    distinct: dict[tuple[str, str], Key] = {}
    for key in gold:
        distinct.setdefault((key[0], texts[key]), key)
    unique = report("Distinct sentences (repeats within a letter once)",
                    [(gold[k], predicted[k]) for k in distinct.values()])
    by_order = sum(order[k] == gold[k] for k in gold) / len(gold)
    majority = Counter(gold.values()).most_common(1)[0]
    print(f"\nFor scale, accuracy over all annotated sentences: by order alone {by_order:.3f}, "
          f"always {majority[0]} {majority[1] / len(gold):.3f}")
    print(json.dumps({"all": {k: round(v, 3) for k, v in summary.items()},
                      "distinct": {k: round(v, 3) for k, v in unique.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
