"""Explanations for people to read: the features pushing each item's predicted labels, and a
model's strongest weights."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from imr_ml.model.classifier import ImrClassifier


def explained_items(model: ImrClassifier, items: pd.DataFrame, top_k: int = 8) -> list[dict[str, Any]]:
    """Predictions with, for the decision and each predicted reason, the top features
    (TF-IDF value x coefficient) toward and against it, and each reason's evidence sentence."""
    preds = model.predict_items(items, evidence=True).to_dict("records")
    parts = model.explain(items, top_k=top_k)
    out = []
    for row, pred, part in zip(items.to_dict("records"), preds, parts):
        targets = ["decision", *pred["reasons_pred"]]
        out.append({
            "letter_id": row.get("letter_id"), "item_index": row.get("item_index"),
            "item_text": row.get("item_text", ""), "decision_pred": pred["decision_pred"],
            "p_overturned": pred["p_overturned"], "reasons_pred": pred["reasons_pred"],
            "evidence": pred["evidence"], "explanations": {t: part[t] for t in targets},
        })
    return out


def describe(record: dict[str, Any], show_text: bool = False) -> str:
    """A readable block for one explained item. Letter text (the item's text and each
    reason's evidence sentence) only with `show_text`; otherwise the item is named by its
    letter and position, a sentence by its offsets in the rationale."""
    head = (f"{record['letter_id']} item {record['item_index']}" if record.get("letter_id")
            else "the given text")
    if show_text and record["item_text"]:
        head = f"{head}: {record['item_text']}"
    lines = [head, (f"  decision: {record['decision_pred']} "
                   f"(P(overturned) = {record['p_overturned']:.3f}); "
                   f"reasons: {', '.join(record['reasons_pred']) or 'none'}")]
    for target, part in record["explanations"].items():
        sign = "toward overturned" if target == "decision" else f"toward {target}"
        lines.append(f"  {target}: score {part['score']:+.2f} (intercept {part['intercept']:+.2f})")
        lines.append(f"    {sign}: " + ", ".join(f"{f} {c:+.2f}" for f, c in part["toward"]))
        lines.append("    against: " + ", ".join(f"{f} {c:+.2f}" for f, c in part["against"]))
        if target in record["evidence"]:
            lines.append(f"    evidence: {_sentence(record['evidence'][target], show_text)}")
        if "surgery_item" in part:
            lines.append("    P(overturned) may be lowered with the surgery's (item "
                         f"{part['surgery_item']}): an associated service is decided with it")
    return "\n".join(lines)


def _sentence(evidence: dict[str, Any], show_text: bool) -> str:
    """An evidence sentence: its text in quotes with `show_text`, else its offsets."""
    if show_text:
        return f"\"{' '.join(evidence['text'].split())}\""
    return f"the rationale's characters {evidence['start']}-{evidence['end']} (--show-text shows it)"


def top_features(model: ImrClassifier, k: int = 30) -> pd.DataFrame:
    """The k most positive and k most negative weights of every target."""
    rows = []
    for target in ["decision", *model.reasons]:
        _, coef, _ = model.linear_parts(target)
        names = model.feature_names(target)
        order = np.argsort(coef)
        for rank, j in enumerate(order[::-1][:k]):
            rows.append({"target": target, "direction": "positive", "rank": rank + 1,
                         "feature": names[j], "weight": float(coef[j])})
        for rank, j in enumerate(order[:k]):
            rows.append({"target": target, "direction": "negative", "rank": rank + 1,
                         "feature": names[j], "weight": float(coef[j])})
    return pd.DataFrame(rows)
