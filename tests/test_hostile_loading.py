"""Hostile inputs to model loading and the command line (issue 17): a damaged model folder,
odd numbers, unwritable or misnamed outputs, a closed pipe, an MLflow store that cannot be
reached or written. Each gives one line naming the file and the problem, never a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import test_score
from imr_ml.cli import main
from imr_ml.model.persistence import METADATA_FILE, MODEL_FILE, sha256_of

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
model_dir = test_score.model_dir  # the fixture: a small model fitted on the samples


def _one_line_error(capsys, *words: str) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err
    return err


def _copy(folder: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "model"
    shutil.copytree(folder, copy)
    return copy


def _edit_metadata(folder: Path, **fields) -> None:
    metadata = json.loads((folder / METADATA_FILE).read_text())
    metadata.update(fields)
    metadata = {k: v for k, v in metadata.items() if v is not ...}  # `...`: leave the key out
    (folder / METADATA_FILE).write_text(json.dumps(metadata))


def _explain(model: Path) -> int:
    return main(["explain", "--text", "No functional improvement is documented.",
                 "--model", str(model)])


# ---- model loading -------------------------------------------------------------------------
@pytest.mark.parametrize(("fields", "words"), [
    ({"packages": None}, ["packages", "should be an object"]),
    ({"packages": ["scikit-learn"]}, ["packages", "should be an object"]),
    ({"packages": 3}, ["packages", "should be an object"]),
    ({"packages": {"scikit-learn": 1.5}}, ["packages.scikit-learn", "valid string"]),
    ({"packages": ...}, ["packages", "Field required"]),
    ({"packages": {"numpy": "2.0"}}, ["packages", "no version of", "scikit-learn"]),
    ({"reasons": None}, ["reasons", "valid array"]),
    ({"reasons": "no_indication"}, ["reasons", "valid array"]),
    ({"sha256": 12}, ["sha256", "valid string"]),
    ({"sha256": ...}, ["sha256", "Field required"]),
])
def test_metadata_fields_of_the_wrong_type_or_missing_are_refused(model_dir, tmp_path, capsys,
                                                                  fields, words):
    """`packages` absent or empty of a package is refused, not a skipped version check."""
    copy = _copy(model_dir, tmp_path)
    _edit_metadata(copy, **fields)
    assert _explain(copy) == 2
    _one_line_error(capsys, str(copy / METADATA_FILE), *words)


@pytest.mark.parametrize("damage", [
    lambda data: data[: len(data) // 2],  # truncated
    lambda data: b"\x00garbage" * 100,
    lambda data: b"",
    lambda data: data[:20] + bytes(len(data) - 20),  # joblib's header, then zeros
])
def test_a_damaged_model_file_with_a_matching_hash_is_refused(model_dir, tmp_path, capsys,
                                                              damage):
    copy = _copy(model_dir, tmp_path)
    path = copy / MODEL_FILE
    path.write_bytes(damage(path.read_bytes()))
    _edit_metadata(copy, sha256=sha256_of(path))
    assert _explain(copy) == 2
    _one_line_error(capsys, str(path), "cannot be read as a model")
