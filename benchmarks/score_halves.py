"""Score a trained model on one half of the real development letters (experiments/PROTOCOL.md).

    python benchmarks/score_halves.py [--model REF] [--half working|held_back]

Prints, for the half's items: reasons micro-F1 over the three required labels (with its
letter-bootstrap interval), the F1 of each required label and the decision macro-F1. The
default half is the working one; score the held-back half once per candidate, and log it in
experiments/PROTOCOL.md. Figures only, never letter text. Skips (exit 0) where ../shared is
absent.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from imr_ml.corpus.splits import HELD_BACK, WORKING, real_halves
from imr_ml.labels import REQUIRED_REASONS
from imr_ml.model.metrics import score
from imr_ml.paths import DEFAULT_CONFIG
from imr_ml.store import load_classifier
from imr_ml.training.config import load_config
from imr_ml.training.data import load_corpora

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None, help="model folder or MLflow URI (default: LATEST)")
    ap.add_argument("--half", choices=(WORKING, HELD_BACK), default=WORKING)
    ap.add_argument("--shared", type=Path, default=SHARED)
    args = ap.parse_args(argv)
    real = args.shared / "real"
    if not (real / "letters").is_dir():
        print(f"score_halves: {real} not found; skipped")
        return 0
    model = load_classifier(args.model)
    items, _ = load_corpora(load_config(DEFAULT_CONFIG), [real])
    keep = real_halves(items["letter_id"])[args.half]
    items = items[items["letter_id"].isin(keep)].reset_index(drop=True)
    m = score(items, model.predict_items(items), list(model.reasons))
    per_label = " / ".join(f"{m[f'reasons_{r}_f1']:.3f}" for r in REQUIRED_REASONS)
    print(f"{args.half} half: {items['letter_id'].nunique()} letters, {len(items)} items")
    print(f"reasons_required_micro_f1 {m['reasons_required_micro_f1']:.3f} "
          f"[{m['reasons_required_micro_f1_ci_low']:.3f}-"
          f"{m['reasons_required_micro_f1_ci_high']:.3f}]")
    print(f"F1 {' / '.join(REQUIRED_REASONS)}: {per_label}")
    print(f"decision_macro_f1 {m['decision_macro_f1']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
