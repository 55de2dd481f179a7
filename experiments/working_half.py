"""Fit a variant of a config on its synthetic corpora alone and score the WORKING half only.

`make train` scores the held-back half too, which must be scored only once per candidate
(experiments/PROTOCOL.md); this compares settings on the working half alone. Prints
figures, never text.

    .venv/bin/python experiments/working_half.py [--config configs/default.yaml] \
        [override ...]      # e.g. "models.reasons.features=[word, char, item_text]"
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

from imr_ml.model import metrics, persistence
from imr_ml.training.config import classifier, load_config
from imr_ml.training.data import load_items

REPO = Path(__file__).resolve().parents[1]
REQUIRED = ("no_functional_improvement", "exceeds_guideline_quantity", "no_indication")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", type=Path, default=REPO / "configs" / "default.yaml")
    ap.add_argument("--save", type=Path, metavar="DIR",
                    help="also save the fitted model here (e.g. for experiments/invented.py)")
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args(argv)
    base = load_config(args.config, args.overrides)
    synthetic = ", ".join(f"{{path: {c.path}, kind: synthetic}}"
                          for c in base.data.corpora if c.kind == "synthetic")
    cfg = load_config(args.config, [
        "splits.cv_folds=0", "baselines=[]", *args.overrides,
        f"data.corpora=[{synthetic}, {{path: ../shared/real, kind: real, half: working}}]"])
    warnings.simplefilter("ignore", UserWarning)
    start = time.perf_counter()
    table, _ = load_items(cfg, weak_labels=False)
    real = (table["corpus_kind"] == "real").to_numpy()
    model = classifier(cfg).fit(table[~real].reset_index(drop=True))
    items = table[real]
    if args.save:
        persistence.save(model, args.save)
    m = metrics.score(items, model.predict_items(items), cfg.labels.reasons)
    print(" ".join(args.overrides) or "as configured",
          f"({time.perf_counter() - start:.0f} s, {len(items)} working-half items)")
    print("  reasons {reasons_required_micro_f1:.3f} [{reasons_required_micro_f1_ci_low:.3f}-"
          "{reasons_required_micro_f1_ci_high:.3f}]".format(**m),
          " / ".join(f"{m[f'reasons_{r}_f1']:.3f}" for r in REQUIRED),
          f" decision {m['decision_macro_f1']:.3f}")


if __name__ == "__main__":
    main()
