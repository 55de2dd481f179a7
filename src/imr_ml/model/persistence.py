"""Saving and loading a fitted `ImrClassifier`: `model.joblib` beside `metadata.json`.

A model is code (unpickling runs it), so `load` checks `metadata.json` against its schema
(`SavedMetadata`), the artefact's sha256 against it before unpickling, refuses a model
pickled under other major versions of the packages it depends on (another minor version of
scikit-learn), and checks its label set.
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
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sklearn.utils.validation import check_is_fitted

from imr_ml.errors import ModelLoadError
from imr_ml.labels import check_reason_labels
from imr_ml.model.classifier import ImrClassifier
from imr_ml.version import __version__

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
PACKAGES = ("imr-ml", "scikit-learn", "spacy", "numpy", "pandas", "joblib")


class SavedMetadata(BaseModel):
    """What loading relies on in `metadata.json` (other fields are kept as they are): the
    artefact's sha256, the label set, and the version of every package of `PACKAGES`."""

    model_config = ConfigDict(extra="allow", strict=True)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    reasons: list[str]
    packages: dict[str, str]

    @field_validator("reasons")
    @classmethod
    def _required_reasons(cls, reasons: list[str]) -> list[str]:
        check_reason_labels(reasons)
        return reasons

    @field_validator("packages")
    @classmethod
    def _every_package(cls, packages: dict[str, str]) -> dict[str, str]:
        if missing := [name for name in PACKAGES if name not in packages]:
            raise ValueError(f"no version of {', '.join(missing)}, so the model's package "
                             "versions cannot be checked")
        return packages


def running_version(name: str) -> str:
    """The version of package `name` that runs here: imr-ml's own from its code (no installed
    metadata needed: a pyfunc loads it from the code it carries), others' from their metadata."""
    return __version__ if name == "imr-ml" else version(name)


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
        "packages": {name: running_version(name) for name in PACKAGES},
        **(extra or {}),
    }
    (folder / METADATA_FILE).write_text(json.dumps(model.metadata_, indent=2) + "\n")
    return folder


def load(folder: str | Path) -> ImrClassifier:
    """Load a saved model after checking its metadata, hash, package versions and labels."""
    folder = Path(folder)
    meta_path, path = folder / METADATA_FILE, folder / MODEL_FILE
    if not meta_path.is_file() or not path.is_file():
        raise ModelLoadError(f"{folder}: not a model folder (needs {MODEL_FILE} and "
                             f"{METADATA_FILE}); train one with `make train`")
    metadata = read_metadata(meta_path)
    if sha256_of(path) != metadata.sha256:
        raise ModelLoadError(
            f"{path}: sha256 does not match {METADATA_FILE}; the file was changed or "
            "corrupted after training. Refusing to unpickle it: retrain or restore it.")
    _check_versions(metadata.packages, folder)
    model = _unpickle(path)
    if not isinstance(model, ImrClassifier):
        raise ModelLoadError(f"{folder}: {MODEL_FILE} holds no imr-ml model; retrain it")
    if list(model.reasons) != metadata.reasons:
        raise ModelLoadError(f"{folder}: {METADATA_FILE} lists the labels "
                             f"{metadata.reasons} but the model predicts "
                             f"{list(model.reasons)}; retrain it")
    model.metadata_ = metadata.model_dump()
    return model


def read_metadata(path: Path) -> SavedMetadata:
    """A model's `metadata.json`, validated; ModelLoadError naming the file and each field
    that is missing or of the wrong type."""
    try:
        return SavedMetadata.model_validate_json(path.read_bytes())
    except ValidationError as err:
        problems = "; ".join(_problem(e) for e in err.errors())
        raise ModelLoadError(f"{path}: {problems}; restore the file or retrain "
                             "(`make train`)") from None


def _problem(error: Any) -> str:
    """One pydantic error as `field: what is wrong`."""
    if error["type"] == "json_invalid":
        return f"not valid JSON ({error['msg']})"
    if error["type"] == "model_type":
        return "not a model's metadata (a JSON object is expected)"
    where = ".".join(map(str, error["loc"]))
    return f"{where}: {error['msg'].removeprefix('Value error, ')}"


def _unpickle(path: Path) -> object:
    """The object in a model file whose hash was checked; ModelLoadError if it cannot be
    read (a damaged file, or a class that moved or went in another version of imr-ml)."""
    try:
        loaded = joblib.load(path)
        # saved as pickle bytes (older models: the object itself)
        return pickle.loads(loaded) if isinstance(loaded, bytes) else loaded
    except (ImportError, AttributeError) as err:
        raise ModelLoadError(f"{path.parent}: saved by another version of imr-ml ({err}); "
                             "retrain it (`make train`)") from None
    except Exception as err:  # noqa: BLE001  (a damaged pickle raises any of many types)
        raise ModelLoadError(f"{path}: cannot be read as a model ({type(err).__name__}: "
                             f"{err}); restore it or retrain (`make train`)") from None


def _check_versions(saved: dict[str, str], folder: Path) -> None:
    """Refuse a model pickled by a different major.minor of scikit-learn or major of others."""
    for name in PACKAGES:
        then, now = saved[name], running_version(name)
        depth = 2 if name == "scikit-learn" else 1
        if then.split(".")[:depth] != now.split(".")[:depth]:
            raise ModelLoadError(
                f"{folder}: trained with {name} {then}, running {now}; pickled models do not "
                f"carry across these versions. Retrain (`make train`) or install {name}=={then}.")
