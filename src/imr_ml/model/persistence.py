"""Saving and loading a fitted `ImrClassifier`: `model.joblib` beside `metadata.json`.

A model is code (unpickling runs it), so `load` checks the artefact's sha256 against its
metadata before unpickling it, refuses a model pickled under other major versions of the
packages it depends on (another minor version of scikit-learn), and checks its label set.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import platform
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import joblib
from sklearn.utils.validation import check_is_fitted

from imr_ml.errors import ModelLoadError
from imr_ml.labels import check_reason_labels
from imr_ml.model.classifier import ImrClassifier

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
PACKAGES = ("imr-ml", "scikit-learn", "spacy", "numpy", "pandas", "joblib")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save(model: ImrClassifier, folder: str | Path, extra: dict[str, Any] | None = None) -> Path:
    """Write `model.joblib` and `metadata.json` (the model's thresholds and parameters, the
    artefact's sha256, the package versions, and `extra`); returns the folder."""
    check_is_fitted(model, "decision_pipeline_")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / MODEL_FILE
    tmp = folder / f".{MODEL_FILE}.tmp"
    # the model as pickle bytes inside the joblib file: joblib unpickles its objects with
    # the pure-Python unpickler (~0.5 s for a model), the bytes load with the C one
    joblib.dump(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL), tmp, compress=3)
    tmp.replace(path)
    context = model.letter_context_
    model.metadata_ = {
        "reasons": list(model.reasons),
        "decision_threshold": model.decision_threshold_,
        "threshold_corpus_weight": model.threshold_corpus_weight_,
        "reason_thresholds": model.reason_thresholds_,
        "letter_context": context and context.describe(),
        "empty_reasoning_p": model.empty_reasoning_p_,
        "params": model.get_params(),
        "sha256": sha256_of(path),
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "packages": {name: version(name) for name in PACKAGES},
        **(extra or {}),
    }
    (folder / METADATA_FILE).write_text(json.dumps(model.metadata_, indent=2) + "\n")
    return folder


def load(folder: str | Path) -> ImrClassifier:
    """Load a saved model after checking its hash, package versions and label set."""
    folder = Path(folder)
    meta_path, path = folder / METADATA_FILE, folder / MODEL_FILE
    if not meta_path.is_file() or not path.is_file():
        raise ModelLoadError(f"{folder}: not a model folder (needs {MODEL_FILE} and "
                             f"{METADATA_FILE}); train one with `make train`")
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelLoadError(f"{meta_path}: not valid JSON ({err}); restore the file or "
                             "retrain") from None
    if not isinstance(metadata, dict):
        raise ModelLoadError(f"{meta_path}: not a model's metadata (a JSON object is "
                             "expected); restore the file or retrain")
    if sha256_of(path) != metadata.get("sha256"):
        raise ModelLoadError(
            f"{path}: sha256 does not match {METADATA_FILE}; the file was changed or "
            "corrupted after training. Refusing to unpickle it: retrain or restore it.")
    _check_versions(metadata, folder)
    try:
        check_reason_labels(metadata.get("reasons", []))
    except ValueError as err:
        raise ModelLoadError(f"{folder}: the model's labels {metadata.get('reasons')}: {err}; "
                             "retrain with the current label set") from None
    model = joblib.load(path)
    if isinstance(model, bytes):  # saved as pickle bytes (older models: the object)
        try:
            model = pickle.loads(model)
        except (ImportError, AttributeError) as err:  # a class that moved or went
            raise ModelLoadError(f"{folder}: saved by another version of imr-ml ({err}); "
                                 "retrain it (`make train`)") from None
    if not isinstance(model, ImrClassifier):
        raise ModelLoadError(f"{folder}: {MODEL_FILE} holds no imr-ml model; retrain it")
    if list(model.reasons) != list(metadata["reasons"]):
        raise ModelLoadError(f"{folder}: {METADATA_FILE} lists the labels "
                             f"{metadata['reasons']} but the model predicts "
                             f"{list(model.reasons)}; retrain it")
    model.metadata_ = metadata
    return model


def _check_versions(metadata: dict[str, Any], folder: Path) -> None:
    """Refuse a model pickled by a different major.minor of scikit-learn or major of others."""
    saved = metadata.get("packages", {})
    for name in PACKAGES:
        then, now = saved.get(name), version(name)
        if then is None:
            continue
        depth = 2 if name == "scikit-learn" else 1
        if then.split(".")[:depth] != now.split(".")[:depth]:
            raise ModelLoadError(
                f"{folder}: trained with {name} {then}, running {now}; pickled models do not "
                f"carry across these versions. Retrain (`make train`) or install {name}=={then}.")
