"""Where models are kept, and how a reference finds one: a folder, an MLflow URI, or the model
trained last (`models/LATEST`); and where MLflow tracks runs.

A model is code (joblib unpickles objects), so models are loaded only from a folder or URI
the user names, or from the pointer `models/LATEST` that `imr-ml train` writes; the
artefact's sha256 is checked against its metadata before anything is unpickled
(`imr_ml.model.persistence`). Defaults are anchored as `imr_ml.paths` says.

MLflow is used inside `mlflow_store`: with short HTTP timeouts unless the environment sets its
own, and a SQLite store checked first (read: it must exist; written: it must be writable).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

from imr_ml.errors import ModelLoadError, TrackingError
from imr_ml.model import persistence
from imr_ml.model.classifier import ImrClassifier
from imr_ml.paths import LATEST, TRACKING_DB

MLFLOW_SCHEMES = ("runs:/", "models:/", "mlflow-artifacts:/")
_PROGRESS_BAR = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"
_SQLITE = "sqlite:///"
# MLflow's own defaults (120 s, 7 retries, backoff factor 2) try an unreachable server for
# about four minutes; with these it gives up after about 3 s when the server refuses, about
# 35 s when it does not answer. Variables set in the environment win.
HTTP_DEFAULTS = {"MLFLOW_HTTP_REQUEST_TIMEOUT": "10", "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
                 "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1"}


def tracking_uri() -> str:
    """MLflow's tracking URI: `MLFLOW_TRACKING_URI`, else the project's `mlflow.db`."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"{_SQLITE}{TRACKING_DB}"


def sqlite_file(uri: str) -> Path | None:
    """The database file of a `sqlite:///` tracking URI; None for other stores."""
    path = uri.removeprefix(_SQLITE).partition("?")[0] if uri.startswith(_SQLITE) else ""
    return Path(path) if path else None


@contextmanager
def mlflow_store(*, write: bool) -> Iterator[str]:
    """MLflow set to `tracking_uri()` (yielded), with `HTTP_DEFAULTS` where the environment
    sets none. A SQLite store to read must exist (ModelLoadError; MLflow would create an
    empty one); one to write must be a file that can be written or made (TrackingError, at
    once, where MLflow would retry for seconds)."""
    import mlflow

    uri = tracking_uri()
    database = sqlite_file(uri)
    if database is not None and not write and not database.is_file():
        raise ModelLoadError(f"{database}: no MLflow store there; train a model first "
                             "(`make train`) or set MLFLOW_TRACKING_URI to the store to read")
    if database is not None and write:
        _check_writable(database)
    with patch.dict(os.environ, {k: os.environ.get(k, v) for k, v in HTTP_DEFAULTS.items()}):
        mlflow.set_tracking_uri(uri)
        yield uri


def _check_writable(database: Path) -> None:
    """Make `database` (an empty file is a new SQLite store) or open the one there for
    appending; TrackingError naming it if the disk will not have it."""
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        with database.open("ab"):
            pass
    except OSError as err:
        raise TrackingError(f"{database}: cannot write the MLflow store there "
                            f"({err.strerror}); set MLFLOW_TRACKING_URI to a writable "
                            "place") from None


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

    quiet = {_PROGRESS_BAR: os.environ.get(_PROGRESS_BAR, "false")}  # a second's work
    with mlflow_store(write=False) as store, patch.dict(os.environ, quiet):
        try:
            local = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri,
                                                             dst_path=str(target)))
        except Exception as err:  # noqa: BLE001  (MLflow raises several unrelated types here)
            raise ModelLoadError(f"cannot fetch {uri} from {store}: {err}") from None
    found = [p.parent for p in local.rglob(persistence.METADATA_FILE)
             if (p.parent / persistence.MODEL_FILE).is_file()]
    if len(found) != 1:
        raise ModelLoadError(f"{uri}: not an imr-ml model (no single model folder inside)")
    return found[0]
