"""Where models are kept, and how a reference finds one: a folder, an MLflow URI, or the model
trained last (`models/LATEST`); and where MLflow tracks runs.

A model is code (joblib unpickles objects), so models are loaded only from a folder or URI
the user names, or from the pointer `models/LATEST` that `imr-ml train` writes; the
artefact's sha256 is checked against its metadata before anything is unpickled
(`imr_ml.model.persistence`). Defaults are anchored as `imr_ml.paths` says.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from unittest.mock import patch

from imr_ml.errors import ModelLoadError
from imr_ml.model import persistence
from imr_ml.model.classifier import ImrClassifier
from imr_ml.paths import LATEST, TRACKING_DB

MLFLOW_SCHEMES = ("runs:/", "models:/", "mlflow-artifacts:/")
_PROGRESS_BAR = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"


def tracking_uri() -> str:
    """MLflow's tracking URI: `MLFLOW_TRACKING_URI`, else the project's `mlflow.db`."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{TRACKING_DB}"


def remember_latest(folder: Path) -> None:
    """Record `folder` as the model trained last, in `LATEST` beside it (models/LATEST)."""
    (folder.parent / LATEST.name).write_text(str(folder.resolve()) + "\n")


def resolve(ref: str | None, pointer: Path = LATEST) -> str:
    """The reference to load: `ref`, or the folder `pointer` (models/LATEST) names if None."""
    if ref is not None:
        return ref
    if not pointer.is_file():
        raise ModelLoadError(f"no model given and no {pointer}: train one with "
                             "`make train`, or pass --model FOLDER|runs:/ID/model")
    return pointer.read_text().strip()


def load_classifier(ref: str | None = None, pointer: Path = LATEST) -> ImrClassifier:
    """Load a model by reference (see `resolve`), verifying its hash and versions.

    An MLflow URI's artefacts are downloaded to a temporary folder, removed once loaded.
    """
    ref = resolve(ref, pointer)
    if ref.startswith(MLFLOW_SCHEMES):
        with tempfile.TemporaryDirectory(prefix="imr-ml-model-") as target:
            return persistence.load(_download(ref, Path(target)))
    folder = Path(ref)
    if not folder.is_dir():
        raise ModelLoadError(f"model {ref!r} is neither a folder nor an MLflow URI "
                             f"({', '.join(MLFLOW_SCHEMES)}...)")
    return persistence.load(folder)


def _download(uri: str, target: Path) -> Path:
    """The model folder inside the artefacts of `uri`, downloaded into `target`."""
    import mlflow

    mlflow.set_tracking_uri(tracking_uri())
    quiet = {_PROGRESS_BAR: os.environ.get(_PROGRESS_BAR, "false")}  # a second's work
    try:
        with patch.dict(os.environ, quiet):
            local = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri,
                                                             dst_path=str(target)))
    except Exception as err:  # noqa: BLE001  (MLflow raises several unrelated types here)
        raise ModelLoadError(f"cannot fetch {uri} from {tracking_uri()}: {err}") from None
    found = [p.parent for p in local.rglob(persistence.METADATA_FILE)
             if (p.parent / persistence.MODEL_FILE).is_file()]
    if len(found) != 1:
        raise ModelLoadError(f"{uri}: not an imr-ml model (no single model folder inside)")
    return found[0]
