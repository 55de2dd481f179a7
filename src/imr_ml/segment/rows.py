"""Letters → segment rows (dicts, one per item): the one path shared by `segment`, training
and scoring. (Training joins them with labels into the labelled items table,
`imr_ml.corpus.table`.)

Every input gives at least one row: one per item found, or a single row whose `status`
is `no_items` or `error` and whose `error` says why, so nothing is lost in a batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from imr_ml.errors import LetterError
from imr_ml.letters import DEFAULT_MAX_BYTES, Letter, iter_letters
from imr_ml.segment.component import SPANS_KEY
from imr_ml.segment.facts import FIELDS as FACT_FIELDS
from imr_ml.segment.pipeline import make_nlp

SEGMENT_COLUMNS = (
    "letter_id", "source", "item_index", "item_text", "layout", "decision_stated",
    "guidelines", "guidelines_claims_administrator", "rationale", "rationale_start",
    "rationale_end", "original_request", "eligible_portion", "category", "drug_class",
    *FACT_FIELDS, "status", "error",
)

Row = dict[str, Any]


def _row(letter_id: str, source: str, **fields: Any) -> Row:
    row: Row = dict.fromkeys(SEGMENT_COLUMNS)
    row.update({"letter_id": letter_id, "source": source, "status": "ok", "error": "", **fields})
    return row


def error_row(err: LetterError) -> Row:
    """The one row of a letter that could not be read."""
    return _row(Path(err.source).stem, err.source, status="error", error=str(err))


def doc_rows(doc: Doc, letter: Letter) -> list[Row]:
    """One row per item on the segmented Doc, or one `no_items` row."""
    spans = doc.spans[SPANS_KEY]
    doc_ext = doc._
    facts = {name: getattr(doc_ext, name) for name in FACT_FIELDS}  # on every row of the letter
    if not spans:
        return [_row(letter.letter_id, letter.source, layout=doc._.layout, status="no_items",
                     error=f"{letter.source}: {doc._.segment_reason}", **facts)]
    rows = []
    layout = doc._.layout
    for index, span in enumerate(spans):
        ext = span._  # each `span._` access builds a new accessor: take it once
        rationale = ext.rationale
        rows.append(_row(
            letter.letter_id, letter.source,
            item_index=index,
            item_text=ext.item_text,
            layout=layout,
            decision_stated=ext.decision_stated,
            guidelines=ext.guidelines,
            guidelines_claims_administrator=ext.guidelines_claims_administrator,
            # line breaks become spaces, one for one: the offsets still hold (letter text is
            # normalised: "\n" is its only line break)
            rationale=rationale.text.replace("\n", " ") if rationale is not None else "",
            rationale_start=rationale.start_char if rationale is not None else None,
            rationale_end=rationale.end_char if rationale is not None else None,
            original_request=ext.original_request,
            eligible_portion=ext.eligible_portion,
            category=ext.category,
            drug_class=ext.drug_class,
            **facts,
        ))
    return rows


def segment_letters(
    inputs: Iterable[str | Path],
    *,
    nlp: Language | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    batch_size: int = 64,
) -> Iterator[tuple[Letter | LetterError, list[Row]]]:
    """Read and segment letters lazily; yields each input with its rows, in input order.

    Runs inside spaCy memory zones so that the strings of many letters do not pile up in
    the vocabulary: memory stays flat however many letters stream through.
    """
    nlp = nlp or make_nlp(sentence_roles=False)  # rows carry no sentence roles
    batch: list[Letter | LetterError] = []
    for entry in iter_letters(inputs, max_bytes=max_bytes):
        batch.append(entry)
        if len(batch) >= batch_size:
            yield from segment_batch(nlp, batch)
            batch = []
    if batch:
        yield from segment_batch(nlp, batch)


def segment_batch(
    nlp: Language, batch: list[Letter | LetterError]
) -> Iterator[tuple[Letter | LetterError, list[Row]]]:
    letters = [e for e in batch if isinstance(e, Letter)]
    with nlp.memory_zone():
        docs = iter(nlp.pipe(e.text for e in letters))
        results = [
            (e, [error_row(e)] if isinstance(e, LetterError) else doc_rows(next(docs), e))
            for e in batch
        ]
    yield from results
