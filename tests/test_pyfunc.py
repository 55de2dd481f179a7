"""The MLflow pyfunc (`imr_ml.scoring.pyfunc`), saved as training logs it: letters and items
in, the rows of `imr-ml score` and `score-table` out, through MLflow's schema enforcement;
loaded in a fresh virtualenv holding only the model's requirements (no imr-ml); served by
`mlflow models serve`. Letters are the committed synthetic samples."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pandas as pd
import pytest

from imr_ml.cli import main
from imr_ml.errors import ModelLoadError
from imr_ml.scoring import pyfunc
from imr_ml.scoring.output import joined
from imr_ml.scoring.scorer import LIST_COLUMNS

REPO = Path(__file__).resolve().parents[1]
LETTERS = sorted((REPO / "data" / "samples" / "letters").glob("*.txt"))[:3]
DEADLINE = 120.0  # seconds for a server to answer /ping


@pytest.fixture(scope="session")
def saved(model_dir, tmp_path_factory) -> Path:
    """The model saved as a pyfunc folder, with the arguments training logs it with."""
    return pyfunc.save(model_dir, tmp_path_factory.mktemp("pyfunc") / "model")


@pytest.fixture(scope="session")
def letters() -> pd.DataFrame:
    """The sample letters, a blank one and a missing one."""
    return pd.DataFrame({"text": [p.read_text() for p in LETTERS] + [" ", None],
                         "letter_id": [p.stem for p in LETTERS] + ["blank", None]})


@pytest.fixture(scope="session")
def items(letters) -> pd.DataFrame:
    """Rationales (a made-up one, two cut from a sample letter), a blank and a non-text cell."""
    text = letters["text"][0]
    return pd.DataFrame({
        "rationale": ["No documentation of functional improvement after six visits.",
                      text[:400], text[400:900], "", 7],
        "item_text": ["Physical therapy x 6", None, "Ibuprofen 800mg #90", "x", "y"]})


@pytest.fixture(scope="session")
def cli_rows(model_dir, items, tmp_path_factory) -> dict[str, list[dict]]:
    """The rows `imr-ml score` gives for the sample letters (files) and `imr-ml score-table`
    for the items (a JSON-lines table), as the pyfunc gives them (lists `;`-joined)."""
    tmp = tmp_path_factory.mktemp("cli")
    table = tmp / "items.jsonl"
    items.to_json(table, orient="records", lines=True)
    for command, source, extra in (("score", LETTERS, []),
                                   ("score-table", [table], ["--text-column", "rationale",
                                                             "--item-column", "item_text"])):
        out = tmp / f"{command}.jsonl"
        assert main([command, *map(str, source), "--model", str(model_dir), "--out", str(out),
                     "-q", *extra]) == 0
    return {command: [_plain(json.loads(line)) for line in
                      (tmp / f"{command}.jsonl").read_text().splitlines()]
            for command in ("score", "score-table")}


def _plain(row: dict) -> dict:
    """A row with lists `;`-joined and NaN as None, as the pyfunc gives it."""
    return {k: joined(v) if k in LIST_COLUMNS and isinstance(v, list)
            else None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}


def _without_source(rows: list[dict]) -> list[dict]:
    """Rows without `source` (a path in `score`'s rows, `row N` in the pyfunc's)."""
    return [{k: v for k, v in row.items() if k != "source"} for row in rows]


def test_letters_give_the_rows_of_score_and_bad_texts_error_rows(saved, letters, cli_rows):
    out = mlflow.pyfunc.load_model(str(saved)).predict(letters)
    good = out[out["source"].isin([f"row {n}" for n in range(len(LETTERS))])]
    assert _without_source(good.to_dict("records")) == _without_source(cli_rows["score"])
    assert Counter(good["letter_id"]) == Counter(r["letter_id"] for r in cli_rows["score"])
    assert len({r["item_index"] for r in cli_rows["score"]}) > 1  # letters of several items
    bad = out.iloc[len(good):]
    assert bad[["letter_id", "source", "status", "error"]].values.tolist() == [
        ["blank", "row 3", "error", "row 3: empty text"],
        ["row 4", "row 4", "error", "row 4: empty text"]]
    assert bad["decision_pred"].isna().all()


def test_items_give_the_rows_of_score_table(saved, items, cli_rows):
    out = mlflow.pyfunc.load_model(str(saved)).predict(items)
    assert out.to_dict("records") == cli_rows["score-table"]
    assert out["status"].tolist() == ["ok", "ok", "ok", "error", "error"]
    assert out["error"].tolist()[3:] == ["row 3: empty text", "row 4: not text but int"]


def test_every_output_cell_is_a_json_scalar(saved, letters, items):
    model = mlflow.pyfunc.load_model(str(saved))
    for frame in (letters, items):
        cells = model.predict(frame).to_numpy().ravel().tolist()
        assert all(c is None or type(c) in (str, int, float, bool) for c in cells)
        assert "NaN" not in json.dumps(cells)


def test_the_signature_takes_either_kind_and_says_which_columns(saved, letters, items):
    model = mlflow.pyfunc.load_model(str(saved))
    inputs = model.metadata.get_input_schema()
    assert {c.name: c.required for c in inputs.inputs} == dict.fromkeys(
        ["text", "letter_id", "rationale", "item_text"], False)
    # schema enforcement (in `predict`) accepts each kind alone and with its optional column
    for frame in (letters[["text"]], letters, items[["rationale"]], items.iloc[:3]):
        assert len(model.predict(frame)) >= len(frame)
    with pytest.raises(ValueError, match="not both|it has both"):
        model.predict(pd.DataFrame({"text": ["a"], "rationale": ["b"]}))
    with pytest.raises(ValueError, match="it has neither"):
        model.predict(pd.DataFrame({"letter_id": ["a"]}))
    outputs = {c.name for c in model.metadata.get_output_schema().inputs}
    assert set(model.predict(letters)) <= outputs and set(model.predict(items)) <= outputs


def test_over_long_texts_give_error_rows(saved, monkeypatch):
    from imr_ml.scoring import scorer

    monkeypatch.setattr(scorer, "MAX_CHARS", 50)
    model = mlflow.pyfunc.load_model(str(saved))
    for frame in (pd.DataFrame({"text": ["x" * 51]}), pd.DataFrame({"rationale": ["x" * 51]})):
        out = model.predict(frame)
        assert out["status"].tolist() == ["error"]
        assert out["error"][0] == "row 0: text is 51 characters, over the limit of 50"


def test_the_folder_carries_the_package_its_data_and_its_version(saved, model_dir):
    import imr_ml

    code = saved / "code" / "imr_ml"
    for data in ("segment/category_lexicon.json", "segment/letter_facts.json",
                 "segment/sentence_roles.json", "model/letter_context.json",
                 "corpus/rules/reason_patterns.json"):
        assert (code / data).is_file(), data
    info = mlflow.models.Model.load(str(saved))
    assert info.metadata["imr_ml_version"] == imr_ml.__version__
    pinned = (saved / "requirements.txt").read_text().split()
    assert "imr-ml" not in " ".join(pinned) and any(p.startswith("spacy==") for p in pinned)


def test_a_model_of_another_imr_ml_major_version_is_refused(saved, tmp_path):
    copy = shutil.copytree(saved, tmp_path / "model")
    (folder,) = (copy / "artifacts").iterdir()
    metadata = folder / "metadata.json"
    saved_metadata = json.loads(metadata.read_text())
    saved_metadata["packages"]["imr-ml"] = "99.0"
    metadata.write_text(json.dumps(saved_metadata))
    with pytest.raises(ModelLoadError, match="trained with imr-ml 99.0, running"):
        mlflow.pyfunc.load_model(str(copy))


# ---- a fresh virtualenv with only the model's requirements --------------------------------

_OFFLINE = ("NewConnectionError", "Temporary failure in name resolution",
            "Network is unreachable", "Max retries exceeded", "ConnectTimeoutError")
_PREDICT = """
import json, sys
import mlflow, pandas as pd
model = mlflow.pyfunc.load_model(sys.argv[1])
for name in ("letters", "items"):
    frame = pd.read_json(f"{name}.json", orient="split", dtype=False)
    out = model.predict(frame)
    with open(f"{name}.out.json", "w") as handle:
        json.dump(out.to_dict("records"), handle)
"""


@pytest.fixture(scope="session")
def clean_install(saved, tmp_path_factory) -> Iterator[tuple[Path, subprocess.Popen, Path]]:
    """A fresh virtualenv into which pip installs the model's requirements.txt alone, in the
    background (mostly waiting on the registry): its python, pip's process and pip's log."""
    tmp = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(tmp / "env")], check=True)
    python, log = tmp / "env" / "bin" / "python", tmp / "pip.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(python), "-m", "pip", "install", "--quiet", "--no-compile",
                                 "-r", str(saved / "requirements.txt")],
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield python, proc, log
    finally:
        _stop(proc)


@pytest.fixture(scope="module", autouse=True)
def _install_while_the_others_run(request) -> None:
    """Start `clean_install` with this module's first test where a test will need it (those
    marked slow_env run last: conftest)."""
    if any(item.get_closest_marker("slow_env") for item in request.session.items):
        request.getfixturevalue("clean_install")


@pytest.mark.slow_env
def test_a_clean_virtualenv_loads_the_model_from_its_requirements_alone(
        saved, clean_install, letters, items, cli_rows, tmp_path):
    python, pip, log = clean_install
    waited = time.perf_counter()
    pip.wait(timeout=1200)
    print(f"waited {time.perf_counter() - waited:.0f} s for pip", file=sys.stderr)
    if pip.returncode and any(sign in log.read_text() for sign in _OFFLINE):
        pytest.skip(f"the package registry cannot be reached: {log.read_text()[-300:]}")
    assert pip.returncode == 0, log.read_text()[-2000:]
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    spec = "import importlib.util as u; print(u.find_spec('imr_ml'))"
    found = subprocess.run([str(python), "-c", spec], capture_output=True, text=True,
                           cwd=tmp_path, env=clean, check=True)
    assert found.stdout.strip() == "None"  # the model must bring its own code
    letters.to_json(tmp_path / "letters.json", orient="split", index=False)
    items.to_json(tmp_path / "items.json", orient="split", index=False)
    run = subprocess.run([str(python), "-c", _PREDICT, str(saved)], capture_output=True,
                         text=True, cwd=tmp_path, env=clean, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    got = {name: json.loads((tmp_path / f"{name}.out.json").read_text())
           for name in ("letters", "items")}
    assert _without_source([r for r in got["letters"] if r["status"] == "ok"]) == \
        _without_source(cli_rows["score"])
    assert got["items"] == cli_rows["score-table"]


# ---- serving over HTTP -------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def server(saved, tmp_path) -> Iterator[str]:
    """`mlflow models serve` on the pyfunc folder, on 127.0.0.1 and a free port; its URL once
    /ping answers. Stopped (its process group) at the end."""
    port, log = _free_port(), tmp_path / "serve.log"
    bin_dir = Path(sys.executable).parent  # the venv's, as if activated: MLflow runs uvicorn
    path = {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(bin_dir / "mlflow"), "models", "serve", "-m", str(saved), "--env-manager",
             "local", "-h", "127.0.0.1", "-p", str(port)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, **path})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + DEADLINE
        while True:
            assert proc.poll() is None, f"the server ended: {log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"no /ping answer: {log.read_text()[-3000:]}"
            try:
                with urllib.request.urlopen(f"{url}/ping", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        yield url
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """End the process and its group (the server's workers): SIGTERM, SIGKILL if need be."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:  # the group has ended
            break
        try:
            proc.wait(timeout=20)
            break
        except subprocess.TimeoutExpired:
            continue
    proc.wait()


def _invoke(url: str, payload: dict) -> list[dict]:
    request = urllib.request.Request(f"{url}/invocations", data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())["predictions"]


def test_mlflow_models_serve_answers_letters_and_rationales(server, letters, cli_rows):
    two = letters.iloc[:2]
    rows = _invoke(server, {"dataframe_records": two.to_dict("records")})
    expected = [r for r in cli_rows["score"] if r["letter_id"] in set(two["letter_id"])]
    assert Counter(r["letter_id"] for r in rows) == Counter(r["letter_id"] for r in expected)
    for column in ("item_index", "item_text", "decision_pred", "reasons_pred", "status"):
        assert [r[column] for r in rows] == [r[column] for r in expected], column
    rationale = "Guidelines allow ten visits; the request for twelve exceeds them."
    (row,) = _invoke(server, {"dataframe_split": {"columns": ["rationale"],
                                                  "data": [[rationale]]}})
    assert row["status"] == "ok" and row["decision_pred"] in ("upheld", "overturned")
    assert 0 <= row["p_overturned"] <= 1
    with pytest.raises(urllib.error.HTTPError) as refused:
        _invoke(server, {"dataframe_records": [{"text": "a", "rationale": "b"}]})
    assert refused.value.code == 400 and "it has both" in refused.value.read().decode()
