"""Label lines for unlabelled letters, for a person to correct.

The decision a letter states becomes a silver decision label; the rule labeller gives weak
reasons for upheld items, with the pattern ids and phrases that fired as evidence. Each line
says how sure its labels are (`decision_source`, `reasons_source`), and `imr_ml.corpus.table`
reads them back as such; a person who corrects a line sets its source to `gold`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from imr_ml.corpus.rules import shared_labeller
from imr_ml.labels import FALLBACK_REASON, REASONS, UPHELD
from imr_ml.segment.rows import Row


def weak_label_rows(rows: Iterable[Row], labels: tuple[str, ...] = REASONS) -> Iterator[dict[str, Any]]:
    """One label line per segmented item (rows of letters without items are skipped)."""
    labeller = shared_labeller(labels)
    for row in rows:
        if row["status"] != "ok":
            continue
        upheld = row["decision_stated"] == UPHELD
        reasons = labeller.label(row["rationale"], fallback=FALLBACK_REASON) if upheld else []
        evidence = [
            {"label": hit["label"], "pattern": hit["pattern_id"], "text": hit["text"]}
            for hit in labeller.explain(row["rationale"])
        ] if upheld else []
        yield {
            "letter_id": row["letter_id"],
            "item_index": row["item_index"],
            "item_text": row["item_text"],
            "decision": row["decision_stated"],
            "reasons": reasons,
            "decision_source": "silver",
            "reasons_source": "weak" if upheld else "none",
            "evidence": evidence,
        }
