"""Score a trained model, and the rule labeller alone, on the invented rationales.

`data/annotations/invented_rationales.jsonl` holds 240 upheld items written by an LLM from the
annotation guide alone (data/annotations/INVENTED.md). Items with an odd numeric id are the
`dev` half (may be read, also for errors); even ids are the `test` half (scored in aggregate,
once per candidate, never read for errors). Prints figures only: the required reasons'
micro-F1 with a 95% bootstrap interval (items resampled), and per-label precision/recall/F1.
Each item is scored as a letter would state it (decision `upheld`), as `score-table` rows.

    .venv/bin/python experiments/invented.py [--model DIR] [--half dev|test|both] \
        [--show-errors]      # dev only: id, gold and predicted reasons of the misses
"""

from __future__ import annotations

import argparse
import json
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from imr_ml.corpus.rules.labeller import shared_labeller
from imr_ml.labels import FALLBACK_REASON, REQUIRED_REASONS, UPHELD
from imr_ml.model import metrics
from imr_ml.scoring.scorer import Scorer, load_model

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data" / "annotations" / "invented_rationales.jsonl"
HALVES = ("dev", "test")


def half_of(item_id: str) -> str:
    """`dev` for an odd numeric id (inv-001), `test` for an even one."""
    return "dev" if int(item_id.rsplit("-", 1)[1]) % 2 else "test"


def load_items(path: Path = DATA, half: str = "both") -> pd.DataFrame:
    """The invented items (one row each, with a `half` column), of one half or both."""
    items = pd.DataFrame([json.loads(line) for line in path.read_text().splitlines()
                          if line.strip()])
    items["half"] = items["id"].map(half_of)
    return items if half == "both" else items[items["half"] == half].reset_index(drop=True)


def model_reasons(scorer: Scorer, items: pd.DataFrame) -> list[list[str]]:
    """The model's reasons of each item, its decision taken as stated (`upheld`)."""
    rows = [{"row": i, "rationale": r, "item_text": t, "decision_stated": UPHELD,
             "status": "ok", "error": ""}
            for i, (r, t) in enumerate(zip(items["rationale"], items["item_text"]))]
    return [list(row["reasons_pred"]) for row in scorer.predict_rows(rows, scorer.table_columns)]


def rule_reasons(items: pd.DataFrame, labels: Sequence[str]) -> list[list[str]]:
    """The rule labeller's reasons of each item (`other` where none fires)."""
    return shared_labeller(tuple(labels)).label_many(items["rationale"], fallback=FALLBACK_REASON)


def report(name: str, items: pd.DataFrame, predicted: Sequence[Sequence[str]],
           labels: Sequence[str]) -> dict[str, float]:
    """Print and return micro-F1 over the required reasons (95% interval, items resampled)
    and per-label precision/recall/F1."""
    gold = items["reasons"].tolist()
    m = metrics.reason_metrics(gold, predicted, labels)
    low, high = metrics.letter_interval(items["id"].tolist(),
                                        metrics.reason_counts(gold, predicted), metrics.micro_f1)
    m |= {"required_micro_f1_ci_low": low, "required_micro_f1_ci_high": high}
    print(f"  {name}: required micro-F1 {m['required_micro_f1']:.3f} [{low:.3f}-{high:.3f}]"
          f"  (all-label micro-F1 {m['micro_f1']:.3f})")
    rows = {label: {k: m[f"{label}_{k}"] for k in ("precision", "recall", "f1", "support")}
            for label in labels}
    table = metrics.format_table(rows, ("precision", "recall", "f1", "support"), first="reason")
    print("\n".join("    " + line for line in table.splitlines()))
    return m


def show_errors(items: pd.DataFrame, predicted: Sequence[Sequence[str]], name: str) -> None:
    """Id, gold and predicted reasons of the items whose required reasons are missed."""
    wanted = set(REQUIRED_REASONS)
    print(f"  {name} misses (required reasons):")
    for item_id, gold, pred in zip(items["id"], items["reasons"], predicted, strict=True):
        if set(gold) & wanted != set(pred) & wanted:
            print(f"    {item_id}  gold {','.join(gold)}  pred {','.join(pred) or '-'}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="model folder or MLflow URI (default: models/LATEST)")
    ap.add_argument("--half", choices=(*HALVES, "both"), default="dev")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--show-errors", action="store_true",
                    help="dev half only: id, gold and predicted reasons of the misses")
    args = ap.parse_args(argv)
    if args.show_errors and args.half != "dev":
        ap.error("--show-errors reads errors of the dev half only (the test half is never "
                 "read for errors)")
    warnings.simplefilter("ignore", UserWarning)
    scorer = load_model(args.model)
    labels = list(scorer.model.reasons)
    items = load_items(args.data, args.half)
    print(f"invented rationales, half {args.half}: {len(items)} items "
          f"(model {args.model or 'models/LATEST'})")
    found = {"model": model_reasons(scorer, items), "rules": rule_reasons(items, labels)}
    for name, predicted in found.items():
        report(name, items, predicted, labels)
    if args.show_errors:
        for name, predicted in found.items():
            show_errors(items, predicted, name)


if __name__ == "__main__":
    main()
