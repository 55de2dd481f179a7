"""Labelled corpora: letters + `labels.jsonl` → the labelled items table (pandas).

This is the table training reads: the segment rows of `imr_ml.segment.rows` (one per item,
as `imr-ml segment` writes them) joined with their labels.

A corpus is a folder holding `labels.jsonl` and its letters, either in `letters/` or beside
the labels file (as in the seed folder). Every item of every letter becomes one row; its
labels are

- `gold`: given in `labels.jsonl` (for synthetic letters, by construction),
- `silver`: a decision taken from the letter's own statement where no label gives one,
- `weak`: reasons from the rule labeller where no label gives them (upheld items only),

recorded per target in `decision_source` and `reasons_source`. Labels and segmenter output
are checked against each other; any mismatch fails with a `CorpusError` that names each
letter and item concerned. Nothing is silently dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from imr_ml.errors import CorpusError, LetterError
from imr_ml.labels import DECISION_SOURCES, DECISIONS, OVERTURNED, REASON_SOURCES, UPHELD
from imr_ml.segment.parser import decided_item
from imr_ml.segment.rows import segment_letters

LABELS_FILE = "labels.jsonl"
META_FILE = "meta.jsonl"

LABELLED_COLUMNS = (
    "letter_id", "item_index", "source", "layout", "item_text", "rationale", "guidelines",
    "decision_stated", "decision", "reasons", "decision_source", "reasons_source",
    "category", "drug_class",
)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip().lower()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read a JSON-lines file; a bad line fails naming the file and line number."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise CorpusError([f"{path}:{number}: not valid JSON ({err.msg})"]) from None
    return rows


def letters_dir(corpus: Path) -> Path:
    """Where a corpus keeps its letters: `letters/` if present, else the folder itself."""
    sub = corpus / "letters"
    return sub if sub.is_dir() else corpus


def _check_label(label: dict[str, Any], where: str, reason_ids: Sequence[str]) -> list[str]:
    problems = []
    for key in ("letter_id", "item_index"):
        if key not in label:
            problems.append(f"{where}: label without '{key}'")
    decision = label.get("decision")
    if decision is not None and decision not in DECISIONS:
        problems.append(f"{where}: decision {decision!r} is not one of {DECISIONS}")
    for key, allowed in (("decision_source", DECISION_SOURCES),
                         ("reasons_source", REASON_SOURCES)):
        if key in label and label[key] not in allowed:
            problems.append(f"{where}: {key} {label[key]!r} is not one of {allowed}")
    unknown = sorted(set(label.get("reasons") or ()) - set(reason_ids))
    if unknown:
        problems.append(f"{where}: unknown reason(s) {unknown}; known: {list(reason_ids)}")
    return problems


def load_corpus(
    corpus: str | Path,
    *,
    reason_ids: Sequence[str],
    weak_labeller: Any | None = None,
) -> pd.DataFrame:
    """The items table of a labelled corpus folder (see the module docstring)."""
    corpus = Path(corpus)
    labels_path = corpus / LABELS_FILE
    if not labels_path.is_file():
        raise CorpusError([f"{corpus}: no {LABELS_FILE} (a labelled corpus needs one)"])
    labels = read_jsonl(labels_path)
    return labelled_items(
        segment_letters([letters_dir(corpus)]), labels, reason_ids=reason_ids,
        weak_labeller=weak_labeller, origin=str(labels_path),
    )


def labelled_items(
    segmented: Iterable[tuple[Any, list[dict[str, Any]]]],
    labels: list[dict[str, Any]],
    *,
    reason_ids: Sequence[str],
    weak_labeller: Any | None = None,
    origin: str = LABELS_FILE,
) -> pd.DataFrame:
    """Join segmented letters with their labels into the labelled items table."""
    problems: list[str] = []
    by_key: dict[tuple[str, int], dict[str, Any]] = {}
    for n, label in enumerate(labels, start=1):
        where = f"{origin}:{n} ({label.get('letter_id')} item {label.get('item_index')})"
        problems += _check_label(label, where, reason_ids)
        by_key[(str(label.get("letter_id")), int(label.get("item_index", -1)))] = label
    rows: list[dict[str, Any]] = []
    seen_letters: set[str] = set()
    for entry, letter_rows in segmented:
        if isinstance(entry, LetterError):
            problems.append(str(entry))
            continue
        seen_letters.add(entry.letter_id)
        for row in letter_rows:
            if row["status"] != "ok":
                problems.append(f"{row['error']} (letter {row['letter_id']})")
                continue
            key = (row["letter_id"], row["item_index"])
            label = by_key.pop(key, {})
            # a label may state a partly authorised item whole: compare what IMR decided
            if label and _squash(decided_item(label.get("item_text", row["item_text"]))) != (
                _squash(row["item_text"])
            ):
                problems.append(
                    f"{row['letter_id']} item {row['item_index']}: labelled item text does not "
                    f"match the segmenter's ({len(label['item_text'])} vs "
                    f"{len(row['item_text'])} chars); labels out of date or segmenter drift"
                )
            rows.append(_labelled_row(row, label))
    for letter_id, index in sorted(by_key):
        where = "letter not found" if letter_id not in seen_letters else "item not segmented"
        problems.append(f"{letter_id} item {index}: labelled but {where}")
    if problems:
        raise CorpusError(problems)
    table = pd.DataFrame(rows, columns=list(LABELLED_COLUMNS))
    if weak_labeller is not None:
        _add_weak_reasons(table, weak_labeller)
    return table


def _labelled_row(row: dict[str, Any], label: dict[str, Any]) -> dict[str, Any]:
    """One item with its labels; a label file may say itself how sure its labels are
    (`decision_source`, `reasons_source`, as `imr-ml label` writes them)."""
    decision = label.get("decision") or row["decision_stated"]
    has_reasons = "reasons" in label and bool(label["reasons"] or decision == OVERTURNED)
    return {
        "letter_id": row["letter_id"],
        "item_index": row["item_index"],
        "source": row["source"],
        "layout": row["layout"],
        "item_text": row["item_text"],
        "rationale": row["rationale"],
        "guidelines": [g["source"] for g in row["guidelines"]],
        "decision_stated": row["decision_stated"],
        "decision": decision,
        "reasons": sorted(label.get("reasons") or []) if has_reasons else [],
        "decision_source": label.get("decision_source",
                                     "gold" if label.get("decision") else "silver"),
        "reasons_source": label.get("reasons_source", "gold") if has_reasons else "none",
        "category": label.get("category"),
        "drug_class": label.get("drug_class"),
    }


def _add_weak_reasons(table: pd.DataFrame, labeller: Any) -> None:
    """Fill the reasons of upheld items that have none from the rule labeller."""
    todo = (table["reasons_source"] == "none") & (table["decision"] == UPHELD)
    if todo.any():
        weak = labeller.label_many(table.loc[todo, "rationale"].tolist())
        table.loc[todo, "reasons"] = pd.Series(weak, index=table.index[todo])
        table.loc[todo, "reasons_source"] = "weak"


def read_meta(corpus: str | Path) -> pd.DataFrame | None:
    """The generator's per-item facts (`meta.jsonl`), for building splits only."""
    path = Path(corpus) / META_FILE
    return pd.DataFrame(read_jsonl(path)) if path.is_file() else None
