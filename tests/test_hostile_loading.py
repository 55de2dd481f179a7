"""Hostile inputs to model loading and the command line (issue 17): a damaged model folder,
odd numbers, unwritable or misnamed outputs, a closed pipe, an MLflow store that cannot be
reached or written. Each gives one line naming the file and the problem, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from imr_ml.cli import main
from imr_ml.model.persistence import METADATA_FILE, MODEL_FILE, sha256_of

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"


def _one_line_error(capsys, *words: str) -> str:
    """Check that standard error is one line holding `words`; returns standard output."""
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and len(captured.err.strip().splitlines()) == 1, \
        captured.err
    for word in words:
        assert word in captured.err, captured.err
    return captured.out


def _copy(folder: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "model"
    shutil.copytree(folder, copy)
    return copy


def _edit_metadata(folder: Path, **fields) -> None:
    metadata = json.loads((folder / METADATA_FILE).read_text())
    metadata.update(fields)
    metadata = {k: v for k, v in metadata.items() if v is not ...}  # `...`: leave the key out
    (folder / METADATA_FILE).write_text(json.dumps(metadata))


def _explain(model: Path | str) -> int:
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


# ---- the command line ----------------------------------------------------------------------
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN"])
def test_a_timeout_that_is_not_a_finite_number_is_refused(value, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["score", "x.txt", "--out", "o.csv", f"--timeout={value}"])
    assert stop.value.code == 2 and "is not a finite number" in capsys.readouterr().err


def test_version(capsys):
    from importlib.metadata import version

    import imr_ml

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out == f"imr-ml {version('imr-ml')}\n"
    assert version("imr-ml") == imr_ml.__version__  # pyproject reads it from the package


@pytest.mark.parametrize(("out", "words"), [
    ("metrics.txt", ["metrics.txt", "name the file .json"]),
    ("metrics", ["metrics", "name the file .json"]),
    ("a_file/metrics.json", ["a_file/metrics.json", "cannot create its folder"]),
    ("a_folder.json", ["a_folder.json", "is a folder"]),
])
def test_evaluate_out_is_checked_before_the_work(tmp_path, capsys, out, words):
    (tmp_path / "a_file").write_text("")
    (tmp_path / "a_folder.json").mkdir()
    assert _evaluate(tmp_path / out) == 2
    assert _one_line_error(capsys, *words) == ""  # refused before any metric was printed


def test_evaluate_out_that_cannot_be_written_gives_one_line(capsys):
    assert _evaluate(Path("/proc/metrics.json")) == 2
    _one_line_error(capsys, "/proc/metrics.json")


def _evaluate(out: Path) -> int:
    return main(["evaluate", "--baseline", "majority", "--data", str(SAMPLES),
                 "--out", str(out)])


def _run_into_a_closed_pipe(*argv: str) -> subprocess.CompletedProcess:
    """Run `imr-ml argv` with standard output a pipe whose reader has gone (as `| head`
    leaves it once it has read its lines)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([sys.executable, "-m", "imr_ml.cli", *argv], stdout=write,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT, check=False)
    finally:
        os.close(write)


@pytest.mark.parametrize("argv", [
    ["segment", str(SAMPLES / "letters"), "-q"],
    ["evaluate", "--baseline", "majority", "--data", str(SAMPLES)],
])
def test_a_closed_standard_output_ends_the_command_quietly(argv):
    done = _run_into_a_closed_pipe(*argv)
    assert done.returncode == 141, done.stderr
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr


def test_explain_into_a_closed_pipe_ends_quietly(model_dir):
    done = _run_into_a_closed_pipe("explain", "--text", "No functional improvement.",
                                   "--model", str(model_dir))
    assert (done.returncode, done.stderr) == (141, "")


def test_a_broken_pipe_that_is_not_standard_output_is_a_bug(monkeypatch):
    import imr_ml.cli

    def broken(_args):
        raise BrokenPipeError("a worker's pipe")

    monkeypatch.setattr(imr_ml.cli, "cmd_synth", broken)
    with pytest.raises(BrokenPipeError, match="a worker's pipe"):
        main(["synth", "--out", "nowhere"])


def test_explain_prints_no_letter_text_unless_asked(model_dir, capsys):
    from imr_ml.segment.rows import segment_letters

    letter = SAMPLES / "letters" / "synth_000002.txt"
    rows = [row for _, rows in segment_letters([letter]) for row in rows]
    assert main(["explain", str(letter), "--model", str(model_dir)]) == 0
    printed = capsys.readouterr().out
    assert "synth_000002 item 0" in printed and "the rationale's characters" in printed
    sentences = [s.strip() for row in rows for s in row["rationale"].split(".") if len(s) > 30]
    assert sentences and not any(s in " ".join(printed.split()) for s in sentences)
    assert not any(row["item_text"] in printed for row in rows)
    assert main(["explain", str(letter), "--model", str(model_dir), "--show-text"]) == 0
    shown = capsys.readouterr().out
    assert all(row["item_text"] in shown for row in rows)
    assert any(s in " ".join(shown.split()) for s in sentences)


# ---- the classifier -------------------------------------------------------------------------
def test_a_text_of_words_the_model_never_saw_gets_the_prior(model_dir, tmp_path):
    """Nothing the model can read is no evidence either way: P(overturned) is the prior, as
    for a rationale with nothing left once its verdict is masked; in score-table too."""
    from imr_ml.store import load_classifier

    model = load_classifier(str(model_dir))
    texts = ["Zorblax quimbly fenturo wazzik.", "Blorptic snarfle",
             SAMPLES.joinpath("letters", "synth_000001.txt").read_text()[-600:]]
    p = model.predict_proba(pd.DataFrame({"rationale": texts, "item_text": ""}))["p_overturned"]
    assert p.iloc[:2].tolist() == [model.empty_reasoning_p_] * 2
    assert p.iloc[2] != pytest.approx(model.empty_reasoning_p_)
    table, out = tmp_path / "in.csv", tmp_path / "out.jsonl"
    pd.DataFrame({"text": texts[:2]}).to_csv(table, index=False)
    assert main(["score-table", str(table), "--text-column", "text", "--model", str(model_dir),
                 "--out", str(out), "-q"]) == 0
    scored = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["p_overturned"] for row in scored] == [model.empty_reasoning_p_] * 2


# ---- the MLflow store ------------------------------------------------------------------------
def test_an_unreachable_mlflow_server_is_given_up_on_quickly(monkeypatch, capsys):
    """Stated limits (`store.HTTP_DEFAULTS`): a 10 s timeout, 2 retries (the second after 2-3 s)
    (MLflow's own: 120 s, 7 retries, about four minutes). The connection and the backoff
    sleeps are recorded, not waited for."""
    import urllib3.connection
    import urllib3.util.retry

    attempts: list[float] = []
    sleeps: list[float] = []

    def refuse(address, timeout, *args, **kwargs):
        attempts.append(timeout)
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(urllib3.connection.connection, "create_connection", refuse)
    monkeypatch.setattr(urllib3.util.retry.time, "sleep", sleeps.append)
    for name in ("MLFLOW_HTTP_REQUEST_TIMEOUT", "MLFLOW_HTTP_REQUEST_MAX_RETRIES",
                 "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
    assert _explain("runs:/0123456789abcdef/model") == 2
    _one_line_error(capsys, "runs:/0123456789abcdef/model", "http://127.0.0.1:9")
    assert attempts == [10, 10, 10] and sum(sleeps) <= 3
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # the environment's own wins
    attempts.clear()
    assert _explain("runs:/0123456789abcdef/model") == 2
    assert attempts == [10]


def test_reading_a_model_from_an_absent_store_creates_no_store(tmp_path, monkeypatch, capsys):
    database = tmp_path / "nowhere" / "mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{database}")
    assert _explain("models:/imr-classifier@champion") == 2
    _one_line_error(capsys, str(database), "no MLflow store there")
    assert not database.exists() and not database.parent.exists()


def test_training_into_a_store_that_cannot_be_written_gives_one_line(monkeypatch, capsys):
    """/proc takes no new file, as a read-only disk (MLflow: nine retries, ~36 lines)."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:////proc/mlflow.db")
    assert main(["train", "--set", f"data.corpora=[{{path: {SAMPLES}, kind: synthetic}}]"]) == 2
    _one_line_error(capsys, "/proc/mlflow.db", "cannot write the MLflow store")
