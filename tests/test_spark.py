"""`imr-ml score --engine spark`: the local engine's rows on a local Spark session.

The tests marked `spark` share one session (`local[2]`, the `spark` fixture) and skip where
Java 17 or newer is missing (conftest); the refusals need neither Spark nor Java.
"""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from badinputs import SMALL_LETTER, write_all
from imr_ml.cli import main
from imr_ml.corpus.synth import generate
from imr_ml.errors import ImrMlError
from imr_ml.letters import MAX_CHARS
from imr_ml.scoring import spark_engine
from imr_ml.scoring.output import read_table
from imr_ml.scoring.scorer import LIST_COLUMNS
from pdfs import text_to_pdf

# Inputs that only bytes tell apart, or that Spark's file listing would leave out
ODD_FILES = {"garbage.pdf": ("error", "damaged"), "long.txt": ("error", "characters, over"),
             "_underscore.txt": ("ok", ""), "a b [1].txt": ("ok", "")}


@pytest.fixture(scope="module")
def letters(tmp_path_factory) -> Path:
    """300 synthetic letters, a PDF letter, every bad input of `badinputs`, and ODD_FILES."""
    folder = tmp_path_factory.mktemp("spark-in")
    generate(300, 7, folder / "synth")
    write_all(folder / "bad")
    text_to_pdf(SMALL_LETTER, folder / "small.pdf")
    (folder / "odd").mkdir()
    (folder / "odd" / "garbage.pdf").write_bytes(b"%PDF-1.4 but nothing else " * 40)
    (folder / "odd" / "long.txt").write_text("word " * (MAX_CHARS // 4), encoding="utf-8")
    for name in ("_underscore.txt", "a b [1].txt"):
        (folder / "odd" / name).write_text(SMALL_LETTER, encoding="utf-8")
    return folder


def _inputs(letters: Path) -> list[str]:
    return [str(letters / "synth" / "letters"), str(letters / "bad"), str(letters / "odd"),
            str(letters / "small.pdf")]


def _score(letters: Path, model_dir: Path, out: Path, *options: str) -> int:
    return main(["score", *_inputs(letters), "--model", str(model_dir), "--out", str(out),
                 "-q", *options])


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def local_rows(letters, model_dir, tmp_path_factory) -> list[dict]:
    """The local engine's rows of `letters` (2 workers)."""
    out = tmp_path_factory.mktemp("local") / "scores.jsonl"
    assert _score(letters, model_dir, out, "--workers", "2") == 0
    return _jsonl(out)


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """One local Spark session (2 cores) for every test that needs one; `imr-ml score
    --engine spark` run in this process uses it."""
    session, _ = spark_engine.spark_session("local[2]", quiet=True)
    yield session
    session.stop()


@pytest.mark.spark
def test_spark_rows_equal_the_local_engines(local_rows, spark, letters, model_dir, tmp_path,
                                            capsys):
    out = tmp_path / "spark.jsonl"
    assert _score(letters, model_dir, out, "--engine", "spark") == 0
    rows = _jsonl(out)
    assert rows == local_rows  # the same rows, values and order (input order)
    by_name = {Path(r["source"]).name: r for r in rows}
    for name, (status, words) in ODD_FILES.items():
        assert by_name[name]["status"] == status and words in by_name[name]["error"], name
    assert sum(r["item_index"] == 0 for r in rows) >= 303  # every good letter scored
    assert "scored 313 letters" in capsys.readouterr().err


@pytest.mark.spark
def test_spark_writes_parquet_as_a_folder(local_rows, spark, letters, model_dir, tmp_path):
    out = tmp_path / "scores.parquet"
    out.write_bytes(b"an older output, a file")
    for _ in range(2):  # the first run replaces the file; the second, the first one's folder
        assert _score(letters, model_dir, out, "--engine", "spark") == 0
    assert out.is_dir() and (out / "_SUCCESS").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporaries
    key = ["source", "item_index"]
    got = read_table(out).sort_values(key, na_position="first").reset_index(drop=True)
    want = pd.DataFrame(local_rows).sort_values(key, na_position="first").reset_index(drop=True)
    assert list(got) == list(want)
    for column in LIST_COLUMNS:  # lists come back as arrays
        got[column] = got[column].map(list)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert main(["report", str(out), "--out", str(tmp_path / "report.html")]) == 0


@pytest.mark.spark
def test_spark_applies_the_time_limit(spark, letters, model_dir, tmp_path):
    out = tmp_path / "scores.jsonl"
    assert main(["score", str(letters / "odd"), "--model", str(model_dir), "--out", str(out),
                 "-q", "--engine", "spark", "--timeout", "0.000001"]) == 1  # nothing scored
    assert {r["error"].split(": ", 1)[1] for r in _jsonl(out)} == {
        "extraction timed out after 1e-06 s"}


@pytest.mark.parametrize(("options", "words"), [
    (["--engine", "spark", "--workers", "2"], "--workers does not apply to --engine spark"),
    (["--engine", "spark", "--resume"], "--resume does not apply to --engine spark"),
    (["--spark-master", "local[2]"], "--spark-master applies to --engine spark only"),
])
def test_options_of_the_other_engine_are_refused(options, words, model_dir, tmp_path, capsys):
    out = tmp_path / "scores.jsonl"
    assert main(["score", str(tmp_path), "--model", str(model_dir), "--out", str(out),
                 *options]) == 2
    assert words in capsys.readouterr().err
    assert not out.exists()


def test_a_folder_spark_did_not_write_is_not_replaced(model_dir, tmp_path, capsys):
    out = tmp_path / "scores.parquet"
    (out / "keep").mkdir(parents=True)
    assert main(["score", str(tmp_path), "--model", str(model_dir), "--out", str(out),
                 "--engine", "spark"]) == 2
    assert "is a folder that no Spark run wrote" in capsys.readouterr().err
    assert (out / "keep").is_dir()


def test_without_pyspark_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark → ImportError
    with pytest.raises(ImrMlError, match=r"pip install 'imr-ml\[spark\]'"):
        spark_engine.spark_session()


def test_pyspark_is_imported_only_when_spark_is_used():
    """imr-ml runs without the extra: no module imports pyspark when it is loaded (only
    inside functions, and for type checking)."""
    for path in Path(spark_engine.__file__).parents[1].rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(name.split(".")[0] == "pyspark" for name in names), path

