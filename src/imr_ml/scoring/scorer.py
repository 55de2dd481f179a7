"""Batch scoring: letters or rationale texts → prediction rows (design §3).

`Scorer` wraps a loaded `ImrClassifier`. `score_letters` streams: inputs go in chunks to
worker processes (`imr_ml.scoring.workers`; forked, they share the loaded model), which read
each file under a time limit, segment and predict; rows come back in input order, so memory
stays flat however many letters stream through. Every input gives at least one row; a bad
one gives an error row, and so does a file whose worker process dies scoring it.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
import pyarrow as pa
from spacy.language import Language

from imr_ml.errors import LetterError
from imr_ml.letters import (
    DEFAULT_MAX_BYTES,
    MAX_CHARS,
    Letter,
    input_key,
    iter_paths,
    letter_from_text,
)
from imr_ml.model.category import CATEGORY_COLUMNS
from imr_ml.model.classifier import ImrClassifier
from imr_ml.model.vectorizers import fast_word_tfidf
from imr_ml.paths import LATEST
from imr_ml.scoring.workers import DEFAULT_CHUNK, WorkerPool, tapered_chunks
from imr_ml.segment import make_nlp
from imr_ml.segment.facts import FIELDS as FACT_FIELDS
from imr_ml.segment.facts import LIST_FIELDS
from imr_ml.segment.guidelines import label as citation_label
from imr_ml.segment.rows import Row, segment_batch
from imr_ml.store import load_classifier

DEFAULT_TIMEOUT = 30.0
LETTER_FIELDS = ("letter_id", "source", "item_index", "item_text", "layout", "decision_stated",
                 "original_request", "eligible_portion")
GUIDELINE_COLUMNS = ("guidelines", "guidelines_claims_administrator")  # citation labels
LIST_COLUMNS = ("reasons_pred", *GUIDELINE_COLUMNS, *LIST_FIELDS)
_TYPES = {"item_index": pa.int64(), "row": pa.int64(), "decision_agrees": pa.bool_(),
          **dict.fromkeys(LIST_COLUMNS, pa.list_(pa.string()))}


class Scorer:
    """Prediction rows from a model: `score_letters` (files) and `score_texts` (texts)."""

    def __init__(self, model: ImrClassifier, explain_top_k: int = 0) -> None:
        fast_word_tfidf(model.decision_pipeline_)  # same predictions, faster (in place)
        fast_word_tfidf(model.reason_pipeline_)
        self.model = model
        self.explain_top_k = explain_top_k  # > 0: an `explanation` column (JSON)
        p_reasons = [f"p_{label}" for label in model.reasons]
        predicted = ["decision_pred", "p_overturned", "decision_agrees", "reasons_pred",
                     *p_reasons, "evidence", *CATEGORY_COLUMNS,
                     *(["explanation"] if explain_top_k else [])]
        self.columns = [*LETTER_FIELDS, *predicted, *GUIDELINE_COLUMNS, *FACT_FIELDS, "status",
                        "error"]
        self.table_columns = ["row", "item_text", *predicted, "status", "error"]

    def schema(self, table: bool = False) -> pa.Schema:
        """Arrow schema of the rows (for Parquet): lists of strings, numbers, booleans."""
        columns = self.table_columns if table else self.columns
        return pa.schema([(c, _TYPES.get(c, pa.float64() if c.startswith("p_") else pa.string()))
                          for c in columns])

    def predict_rows(self, rows: Sequence[Row], columns: Sequence[str] | None = None) -> list[Row]:
        """Prediction rows for item rows (of `items`); rows that are not `ok` pass through."""
        columns = columns or self.columns
        ok = [r for r in rows if r["status"] == "ok"]
        # each item's file and position: the letter context reads a letter's items together;
        # object columns: the texts stay the Python strings they are (no Arrow round trips)
        frame = pd.DataFrame(ok, columns=["source", "item_index", "rationale", "item_text",
                                          "decision_stated"], dtype=object
                             ).rename(columns={"source": "letter_id"})
        predicted = (self.model.predict_items(frame, evidence=True).to_dict("records")
                     if ok else [])
        for pred in predicted:
            pred["evidence"] = json.dumps(pred["evidence"], ensure_ascii=False)
        if ok and self.explain_top_k:
            for pred, part in zip(predicted, self.model.explain(frame, self.explain_top_k)):
                pred["explanation"] = _explanation(pred, part)
        found = iter(predicted)
        out = []
        for row in rows:
            values = {**row, **(next(found) if row["status"] == "ok" else {})}
            values["reasons_pred"] = values.get("reasons_pred") or []
            for column in GUIDELINE_COLUMNS:
                values[column] = [citation_label(g) for g in row.get(column) or []]
            for column in LIST_FIELDS:
                values[column] = values.get(column) or []
            out.append({c: values.get(c) for c in columns})
        return out

    def score_letters(
        self,
        paths: Iterable[str | Path],
        *,
        workers: int = 1,
        chunk_size: int = DEFAULT_CHUNK,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        skip: Iterable[str] = (),
    ) -> Iterator[Row]:
        """Prediction rows of letter files, folders and globs, lazily and in input order.

        Each file is scored once however often it is reached (`iter_paths`); files whose
        `input_key` is in `skip` are left out (for resuming). Chunks of paths are scored in
        `workers` processes (at least one: a file that crashes the PDF library costs its row,
        not the run).
        """
        done, workers = set(skip), max(workers, 1)
        todo = (p for p in iter_paths(paths) if input_key(p) not in done)
        chunks = tapered_chunks(todo, chunk_size, workers)
        self.model.warm_up()  # built once here, inherited by forked workers
        # The workers are forked now, before the inputs are listed: a large folder's list of
        # paths would otherwise be copied into each of them.
        with WorkerPool(self.predict_rows, workers, (timeout, max_bytes)) as pool:
            pending: deque[tuple[list[Path], Future[list[Row]]]] = deque()
            for chunk in chunks:
                pending.append((chunk, pool.submit(chunk)))
                if len(pending) > 2 * workers:  # bounded look-ahead, results in order
                    yield from pool.first_rows(pending)
            while pending:
                yield from pool.first_rows(pending)

    def score_texts(
        self, texts: Sequence[str] | pd.Series, item_texts: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """One prediction row per rationale text; `row` is its index (a Series' index).

        A missing, blank, non-text or over-long (`MAX_CHARS`) cell gives status `error`
        instead of a prediction.
        """
        if item_texts is not None and len(item_texts) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(item_texts)} item texts")
        index = texts.index if isinstance(texts, pd.Series) else range(len(texts))
        items = item_texts if item_texts is not None else itertools.repeat("")
        rows = []
        for row, text, item in zip(index, texts, items):
            problem = _text_problem(text)
            rows.append({"row": int(row), "rationale": "" if problem else text,
                         "item_text": item if isinstance(item, str) else "",
                         "status": "error" if problem else "ok",
                         "error": f"row {row}: {problem}" if problem else ""})
        return pd.DataFrame(self.predict_rows(rows, self.table_columns),
                            columns=self.table_columns)

    def score_letter_texts(
        self, texts: Sequence[object], letter_ids: Sequence[object] | None = None,
        batch_size: int = 64,
    ) -> pd.DataFrame:
        """Prediction rows of whole letters given as texts: one per item (a `no_items` or
        `error` row for a letter without), letter context applied, in input order; the rows
        `score_letters` gives for files of these texts.

        A letter's `source` is `row N`, N its position; its `letter_id` the one given, else
        `row N` too. A missing, blank, non-text or over-long (`MAX_CHARS`) text gives an error
        row naming its `row N`.
        """
        if letter_ids is not None and len(letter_ids) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(letter_ids)} letter ids")
        ids = letter_ids if letter_ids is not None else itertools.repeat(None)
        names, entries = [], []
        for n, (text, letter_id) in enumerate(zip(texts, ids)):
            source = f"row {n}"
            names.append(source if _is_missing(letter_id) else str(letter_id))
            entries.append(_text_letter(text, names[-1], source))
        rows = []
        for start in range(0, len(entries), batch_size):
            batch = segment_batch(self.nlp, entries[start:start + batch_size])
            for name, (_, letter_rows) in zip(names[start:], batch):
                rows += [{**row, "letter_id": name} for row in letter_rows]
        frame = pd.DataFrame(self.predict_rows(rows), columns=self.columns)
        return frame.astype({"item_index": "Int64"})  # whole numbers beside the error rows

    @cached_property
    def nlp(self) -> Language:
        """The segmenter of `score_letter_texts` (made on first use)."""
        return make_nlp(sentence_roles=False)  # the rows carry no sentence roles


def _text_letter(text: object, letter_id: str, source: str) -> Letter | LetterError:
    """The letter of a table cell, or the LetterError saying why it cannot be one."""
    if problem := _text_problem(text):
        return LetterError(source, "bad_text", problem)
    try:
        return letter_from_text(text, letter_id, source)
    except LetterError as err:
        return err


def _text_problem(text: object) -> str:
    """Why a table cell cannot be scored as a rationale ("" if it can); never its text."""
    if _is_missing(text):
        return "empty text"
    if not isinstance(text, str):
        return f"not text but {type(text).__name__}"
    if len(text) > MAX_CHARS:
        return f"text is {len(text):,} characters, over the limit of {MAX_CHARS:,}"
    return ""


def _is_missing(value: object) -> bool:
    """None, NaN, pandas' NA, or blank text."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _explanation(pred: Row, part: dict) -> str:
    """JSON: the top features behind each predicted label (decision and reasons)."""
    side = "toward" if pred["decision_pred"] == "overturned" else "against"
    out = {f"decision:{pred['decision_pred']}": part["decision"][side]}
    out |= {reason: part[reason]["toward"] for reason in pred["reasons_pred"]}
    return json.dumps({k: [[f, round(c, 4)] for f, c in v] for k, v in out.items()})


def load_model(ref: str | None = None, pointer: Path = LATEST, explain_top_k: int = 0) -> Scorer:
    """A Scorer for the model `ref` names (folder, MLflow URI, or models/LATEST if None).

    Models are code: only load ones you made or trust. The artefact's sha256 and package
    versions are checked before unpickling (`ModelLoadError` otherwise).
    """
    return Scorer(load_classifier(ref, pointer), explain_top_k)


def is_letter_start(row: Row) -> bool:
    """The row is the first (or only) row of its letter."""
    return row["status"] != "ok" or row["item_index"] == 0


@dataclass
class Summary:
    """Counts for the progress bar and the end-of-run summary (no letter text)."""

    inputs: Counter[str] = field(default_factory=Counter)
    decisions: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    disagreements: int = 0

    def add(self, row: Row, first: bool = True) -> None:
        if first:
            self.inputs[row["status"]] += 1
        if row["status"] == "ok":
            self.decisions[row["decision_pred"]] += 1
            self.reasons.update(row["reasons_pred"])
            self.disagreements += row["decision_agrees"] is False

    def postfix(self) -> dict[str, int]:
        return {s: self.inputs[s] for s in ("ok", "no_items", "error")}

    def report(self, what: str) -> str:
        def listed(counts: Iterable[tuple[str, int]]) -> str:
            return ", ".join(f"{n} {name}" for name, n in counts) or "none"

        return (f"scored {sum(self.inputs.values())} {what}: {listed(sorted(self.inputs.items()))}"
                f"; {sum(self.decisions.values())} items: {listed(sorted(self.decisions.items()))}"
                f"; top reasons: {listed(self.reasons.most_common(5))}; {self.disagreements} "
                "predictions disagree with the stated decision")
