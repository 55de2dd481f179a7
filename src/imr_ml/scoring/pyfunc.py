"""The model as an MLflow pyfunc: what `imr-ml train` logs, and what loads, serves
(`mlflow models serve`) and scores on Spark (`mlflow.pyfunc.spark_udf`) where imr-ml is not
installed. It carries the package's code (`code_paths`), its dependencies pinned to the
versions it was trained with, and the model folder; loading checks the model as
`imr_ml.model.persistence.load` does (sha256, package versions), imr-ml's own version read
from the code it carries.

Input: a DataFrame of one of two kinds, told apart by its columns (the signature's columns
are all optional):
- letters: `text` (a whole letter), optional `letter_id` → one row per item, the letter
  context applied: the rows of `imr-ml score` (`Scorer.columns`; `source` is `row N`);
- items: `rationale`, optional `item_text` → one row per input row: the rows of
  `imr-ml score-table` (`Scorer.table_columns`; `row` is the input row's position).
Output: lists `;`-joined as in the CSV of `score` (`imr_ml.scoring.output.joined`), missing
values None, so that every cell is a JSON scalar. A missing, blank, non-text or over-long text
gives an error row.
"""

from __future__ import annotations

import re
from importlib.metadata import requires, version
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
import pyarrow as pa
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, Schema

from imr_ml.model import persistence
from imr_ml.scoring.output import joined
from imr_ml.scoring.scorer import LIST_COLUMNS, Scorer
from imr_ml.version import __version__

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # src/imr_ml, shipped with the model
LETTER_COLUMNS = ("text", "letter_id")
ITEM_COLUMNS = ("rationale", "item_text")
# A made-up item: the signature needs an example, and no letter text may be logged.
INPUT_EXAMPLE = pd.DataFrame({
    "rationale": [("Guidelines allow ten visits. There is no documentation of functional "
                   "improvement after the earlier sessions.")],
    "item_text": ["Twelve sessions of physical therapy"],
})
_MLFLOW_TYPES = {pa.string(): "string", pa.float64(): "double", pa.int64(): "long",
                 pa.bool_(): "boolean"}


class ImrPyfunc(mlflow.pyfunc.PythonModel):
    """MLflow pyfunc wrapper of a `Scorer`: letters or items in, prediction rows out."""

    def load_context(self, context: Any) -> None:
        self.scorer = Scorer(persistence.load(context.artifacts["model_dir"]))

    def predict(self, context: Any, model_input: pd.DataFrame,
                params: dict[str, Any] | None = None) -> pd.DataFrame:
        return predict(self.scorer, model_input)


def predict(scorer: Scorer, frame: pd.DataFrame) -> pd.DataFrame:
    """The prediction rows of a frame of letters (`text`) or items (`rationale`), lists
    `;`-joined and missing values None; ValueError for a frame of neither kind or both."""
    kinds = [column for column in ("text", "rationale") if column in frame]
    if len(kinds) != 1:
        found = "both" if kinds else f"neither (columns: {', '.join(map(str, frame)) or 'none'})"
        raise ValueError("the input needs a column `text` (whole letters, optional "
                         "`letter_id`) or a column `rationale` (items, optional `item_text`); "
                         f"it has {found}")
    optional = "letter_id" if kinds == ["text"] else "item_text"
    extra = frame[optional].tolist() if optional in frame else None
    if kinds == ["text"]:
        scored = scorer.score_letter_texts(frame["text"].tolist(), extra)
    else:
        scored = scorer.score_texts(frame["rationale"].reset_index(drop=True), extra)
    for column in scored.columns.intersection(LIST_COLUMNS):
        scored[column] = scored[column].map(joined)
    return scored.astype(object).where(scored.notna(), None)


def signature(scorer: Scorer) -> ModelSignature:
    """Input: the letter and item columns, all optional (strings). Output: the columns of
    either kind's rows, with their types (lists as `;`-joined strings), all optional."""
    inputs = Schema([ColSpec("string", c, required=False) for c in (*LETTER_COLUMNS,
                                                                     *ITEM_COLUMNS)])
    fields = {f.name: f.type for schema in (scorer.schema(), scorer.schema(table=True))
              for f in schema}
    outputs = Schema([ColSpec(_MLFLOW_TYPES.get(kind, "string"), name, required=False)
                      for name, kind in fields.items()])
    return ModelSignature(inputs=inputs, outputs=outputs)


def requirements() -> list[str]:
    """imr-ml's own dependencies, pinned to the versions installed (those it trained with)."""
    declared = [r for r in requires("imr-ml") or [] if "extra ==" not in r]
    names = [re.match(r"[A-Za-z0-9_.-]+", r).group() for r in declared]
    return [f"{name}=={version(name)}" for name in names]


def model_kwargs(folder: str | Path) -> dict[str, Any]:
    """The arguments of `mlflow.pyfunc.log_model` / `save_model` for the model folder: the
    wrapper, the folder as artefact, signature, example, the package's code, pinned
    requirements, and imr-ml's version and the model's sha256 as the MLmodel's metadata."""
    model = persistence.load(folder)
    return {
        "python_model": ImrPyfunc(),
        "artifacts": {"model_dir": str(folder)},
        "signature": signature(Scorer(model)),
        "input_example": INPUT_EXAMPLE,
        # the package itself (its data files inside) and its dependencies go with the model,
        # so that it loads where imr-ml is not installed (a Spark executor, a server)
        "code_paths": [str(PACKAGE_DIR)],
        "pip_requirements": requirements(),
        "metadata": {"imr_ml_version": __version__, "model_sha256": model.metadata_["sha256"]},
    }


def save(folder: str | Path, path: str | Path) -> Path:
    """Save the model folder as a pyfunc at `path` (a new folder), as training logs it."""
    mlflow.pyfunc.save_model(str(path), **model_kwargs(folder))
    return Path(path)
