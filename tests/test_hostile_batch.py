"""Hostile inputs to the batch commands (issue 17): `segment`, `score` and `score-table` lose
no input, do not hang, and end with one line where they must stop. The cases are classes:
every entry point, every output format, every command's --out."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import imr_ml
from badinputs import SMALL_LETTER
from imr_ml.cli import main
from imr_ml.letters import MAX_CHARS
from imr_ml.model import persistence
from imr_ml.scoring import output, workers
from imr_ml.scoring.output import partial_path, read_table
from imr_ml.scoring.scorer import LIST_COLUMNS, Scorer
from imr_ml.segment import make_nlp

HERE = Path(__file__).parent
FORMATS = (".jsonl", ".csv", ".parquet")
DEADLINE = 120.0  # seconds for a subprocess; generous, the machine is shared
RUN_MAIN = "from imr_ml.cli import main\nimport sys\nraise SystemExit(main(sys.argv[1:]))"
ENV = {**os.environ, "PYTHONPATH": str(Path(imr_ml.__file__).parents[1])}


@pytest.fixture()
def letters(tmp_path) -> Path:
    """Good letters of every layout and one small letter, in one folder."""
    folder = tmp_path / "in"
    shutil.copytree(HERE / "letters", folder)
    (folder / "small.txt").write_text(SMALL_LETTER)
    return folder


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _rows(path: Path) -> list[dict]:
    """The rows of an output table of any format, lists as lists and nulls as None."""
    if path.suffix == ".jsonl":
        return _jsonl(path)
    frame = read_table(path)
    frame = read_table(path, [c for c in LIST_COLUMNS if c in frame])
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [{k: list(v) if isinstance(v, np.ndarray) else v for k, v in r.items()} for r in rows]


def _score(paths: list, model: Path, out: Path, *extra: str) -> int:
    return main(["score", *map(str, paths), "--model", str(model), "--out", str(out),
                 "--workers", "1", "-q", *extra])


def _segment(paths: list, out: Path | None, capsys) -> list[dict]:
    """`segment`'s rows, to --out or (out None) to standard output."""
    extra = ["--out", str(out)] if out else []
    assert main(["segment", *map(str, paths), "-q", *extra]) == 0
    printed = capsys.readouterr().out
    return _jsonl(out) if out else [json.loads(line) for line in printed.splitlines()]


def _run(*args: str, prelude: str = "", **kwargs) -> subprocess.CompletedProcess:
    """`imr-ml ARGS` in a fresh interpreter, after the Python lines `prelude`."""
    code = f"{prelude}\n{RUN_MAIN}"
    return subprocess.run([sys.executable, "-c", code, *args], env=ENV, capture_output=True,
                          text=True, timeout=DEADLINE, check=False, **kwargs)


def _one_line(err: str, *words: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert all(word in lines[0] for word in words), lines[0]
    return lines[0]


# 1. Over-long text: one error row in every entry point, and the batch goes on

def _over_long(folder: Path) -> Path:
    """A letter over spaCy's nlp.max_length in characters, well under --max-bytes."""
    path = folder / "long.txt"
    path.write_text(SMALL_LETTER + "the notes say little more\n" * (MAX_CHARS // 26 + 2000))
    return path


def test_the_character_limit_is_what_spacy_takes():
    assert make_nlp().max_length >= MAX_CHARS


def _check_over_long(rows: list[dict], good: int) -> None:
    (long_row,) = [r for r in rows if r["source"].endswith("long.txt")]
    assert long_row["status"] == "error" and "over the limit of 1,000,000" in long_row["error"]
    assert long_row["error"].startswith(long_row["source"])
    assert len({r["source"] for r in rows if r["status"] == "ok"}) == good


@pytest.mark.parametrize("out", [None, "items.jsonl"])
def test_over_long_letter_in_segment(letters, tmp_path, capsys, out):
    _over_long(letters)
    rows = _segment([letters], tmp_path / out if out else None, capsys)
    _check_over_long(rows, len(list(letters.iterdir())) - 1)


@pytest.mark.parametrize("suffix", FORMATS)
def test_over_long_letter_in_score(letters, model_dir, tmp_path, suffix):
    _over_long(letters)
    out = tmp_path / f"scores{suffix}"
    assert _score([letters], model_dir, out) == 0
    _check_over_long(_rows(out), len(list(letters.iterdir())) - 1)


@pytest.mark.parametrize("suffix", FORMATS)
def test_over_long_cell_in_score_table(model_dir, tmp_path, suffix):
    texts = ["The notes show no gain in function.", "x" * (MAX_CHARS + 1), "Not necessary."]
    source = tmp_path / f"table{suffix}"
    pd.DataFrame({"text": texts}).to_parquet(source) if suffix == ".parquet" else (
        pd.DataFrame({"text": texts}).to_csv(source, index=False) if suffix == ".csv" else
        pd.DataFrame({"text": texts}).to_json(source, orient="records", lines=True))
    out = tmp_path / f"scored{suffix}"
    assert main(["score-table", str(source), "--text-column", "text", "--model",
                 str(model_dir), "--out", str(out), "-q"]) == 0
    rows = _rows(out)
    assert [r["status"] for r in rows] == ["ok", "error", "ok"]
    assert rows[1]["error"] == f"row 1: text is {MAX_CHARS + 1:,} characters, over the limit " \
                               f"of {MAX_CHARS:,}"


# 2. Two runs writing the same --out: the second is refused

def test_a_second_run_on_the_same_output_is_refused(letters, model_dir, tmp_path,
                                                    capsys):
    out = tmp_path / "scores.csv"
    journal = partial_path(out)
    journal.write_text("the other run's rows\n")
    with journal.open("a") as other:  # another run holds the journal
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        assert _score([letters], model_dir, out) == 2
        assert _score([letters], model_dir, out, "--resume") == 2
    _one_line(capsys.readouterr().err.splitlines()[-1], str(out), "another imr-ml run")
    assert journal.read_text() == "the other run's rows\n" and not out.exists()


# 3. A file reached twice is scored once; a resumed run agrees with an uninterrupted one

def _interrupted(monkeypatch, after: int) -> None:
    original = Scorer.score_letters

    def stopped(self, *args, **kwargs):
        rows = original(self, *args, **kwargs)
        for _ in range(after):
            yield next(rows)
        raise KeyboardInterrupt

    monkeypatch.setattr(Scorer, "score_letters", stopped)


def _stopped_after_3_rows(letters: Path, model: Path, out: Path, monkeypatch) -> None:
    """Score `letters` to `out`, stopped (as by Ctrl-C) after 3 rows: a journal to resume."""
    _interrupted(monkeypatch, 3)
    assert _score([letters], model, out) == 130
    monkeypatch.undo()


@pytest.mark.parametrize("twice", ["relative_and_absolute", "file_listed_twice", "symlink"])
def test_inputs_reached_twice_are_scored_once_and_resume_agrees(
        letters, model_dir, tmp_path, monkeypatch, twice):
    monkeypatch.chdir(tmp_path)
    first = min(letters.iterdir())
    if twice == "symlink":
        (tmp_path / "link.txt").symlink_to(first)
    inputs = {"relative_and_absolute": ["in", letters],
              "file_listed_twice": [first, letters, first],
              "symlink": [letters, "link.txt"]}[twice]
    full, resumed = tmp_path / "full.jsonl", tmp_path / "resumed.jsonl"
    assert _score(inputs, model_dir, full) == 0
    sources = [r["source"] for r in _jsonl(full) if r["status"] != "ok" or r["item_index"] == 0]
    assert len(sources) == len(list(letters.iterdir()))
    _interrupted(monkeypatch, 4)
    assert _score(inputs, model_dir, resumed) == 130
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    assert _score(inputs, model_dir, resumed, "--resume") == 0
    assert _jsonl(resumed) == _jsonl(full)


# 4. A file name that is not UTF-8 gets its row, in every output

@pytest.mark.parametrize("out", ["segment-stdout", "segment.jsonl",
                                 *(f"scores{s}" for s in FORMATS)])
def test_a_file_name_that_is_not_utf8_gets_its_row(letters, model_dir, tmp_path,
                                                    capsys, out):
    os.rename(letters / "small.txt", os.fsencode(letters) + b"/caf\xe9.txt")
    target = tmp_path / out
    if out.startswith("segment"):
        rows = _segment([letters], None if out == "segment-stdout" else target, capsys)
    else:
        assert _score([letters], model_dir, target) == 0
        rows = _rows(target)
    (row,) = [r for r in rows if "caf" in r["source"]]
    assert row["source"] == f"{letters}/caf\\xe9.txt" and row["letter_id"] == "caf\\xe9"
    assert row["status"] == "ok"


# 5. One worker is a worker process; a worker stuck in a C call is ended at the time limit

def test_one_worker_is_a_worker_process(letters, model_dir, monkeypatch):
    parent, read = os.getpid(), workers.read_letter

    def crashing(path, **kwargs):  # as the PDF library may: the process ends, no exception
        if path.name == "small.txt":
            if os.getpid() == parent:
                raise AssertionError("scored in the main process")
            os.kill(os.getpid(), signal.SIGKILL)
        return read(path, **kwargs)

    monkeypatch.setattr(workers, "read_letter", crashing)
    rows = list(imr_ml.load_model(str(model_dir)).score_letters([letters], workers=1))
    (crashed,) = [r for r in rows if r["source"].endswith("small.txt")]
    assert crashed["error"].endswith("the worker scoring this file died (signal 9: Killed)")
    assert len({r["source"] for r in rows}) == len(list(letters.iterdir()))


@pytest.mark.parametrize("n_workers", [1, 2])
def test_a_worker_stuck_in_a_c_call_is_ended_at_the_time_limit(letters, model_dir,
                                                               monkeypatch, n_workers):
    read = workers.read_letter

    def stuck(path, **kwargs):
        if path.name == "small.txt":
            # as inside pdfium: SIGALRM's handler cannot run in this thread until it returns
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(30)
        return read(path, **kwargs)

    monkeypatch.setattr(workers, "read_letter", stuck)
    scorer = imr_ml.load_model(str(model_dir))
    rows = list(scorer.score_letters([letters], workers=n_workers, timeout=0.5))
    (row,) = [r for r in rows if r["source"].endswith("small.txt")]
    assert row["status"] == "error"
    assert row["error"] == (f"{row['source']}: extraction timed out after 0.5 s (stuck in the "
                            "PDF library; stopped)")
    assert {r["status"] for r in rows if r is not row} == {"ok"}


# 6. Folders that cannot be listed, and paths that cannot be looked at, give error rows

def test_unlistable_folders_and_unsearchable_paths_give_error_rows(letters, tmp_path,
                                                                   monkeypatch, capsys):
    for folder in (letters / "locked", tmp_path / "closed"):
        folder.mkdir()
        (folder / "a.txt").write_text(SMALL_LETTER)
    denied = {str(letters / "locked"), str(tmp_path / "closed")}
    real_scandir, real_stat = os.scandir, os.stat

    def scandir(path="."):
        if os.fspath(path) in denied:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path)

    def stat(path, *args, **kwargs):  # a folder without search (x) permission above `path`
        if os.fspath(path).startswith(str(tmp_path / "closed") + "/"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "stat", stat)
    rows = _segment([letters, tmp_path / "closed" / "a.txt", tmp_path / "closed"], None, capsys)
    errors = {r["source"]: r["error"] for r in rows if r["status"] == "error"}
    assert errors == {
        str(letters / "locked"): f"{letters / 'locked'}: cannot list folder (Permission denied)",
        str(tmp_path / "closed" / "a.txt"):
            f"{tmp_path / 'closed' / 'a.txt'}: cannot read file (Permission denied)",
        str(tmp_path / "closed"): f"{tmp_path / 'closed'}: cannot list folder (Permission denied)",
    }
    assert len([r for r in rows if r["status"] == "ok" and r["item_index"] == 0]) == \
        len(list(letters.iterdir())) - 1


# 7. score-table reading a FIFO (or any non-regular file) does not hang

def test_score_table_refuses_a_fifo(model_dir, tmp_path):
    fifo = tmp_path / "table.csv"
    os.mkfifo(fifo)
    try:
        done = _run("score-table", str(fifo), "--text-column", "text", "--model",
                    str(model_dir), "--out", str(tmp_path / "out.csv"), "-q")
    except subprocess.TimeoutExpired:
        pytest.fail("score-table hung reading a FIFO")
    assert done.returncode == 2
    _one_line(done.stderr, str(fifo), "not a regular file")


# score-table: a number is not text; the progress bar moves as rows are scored

def test_score_table_says_a_number_is_not_text(model_dir, tmp_path):
    source = tmp_path / "table.jsonl"
    source.write_text('{"text": 12}\n{"text": 3.5}\n{"text": null}\n{"text": "No gain."}\n')
    out = tmp_path / "scored.jsonl"
    assert main(["score-table", str(source), "--text-column", "text", "--model",
                 str(model_dir), "--out", str(out), "-q"]) == 0
    assert [r["error"] for r in _jsonl(out)] == [
        "row 0: not text but int", "row 1: not text but float", "row 2: empty text", ""]


def test_score_table_progress_moves_while_rows_are_scored(model_dir, tmp_path,
                                                          monkeypatch):
    from imr_ml import cli

    events: list[str] = []

    class Bar(cli.tqdm):
        def update(self, n=1):
            events.append("progress")
            return super().update(n)

    original = Scorer.score_texts

    def score_texts(self, *args, **kwargs):
        events.append("scoring")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cli, "tqdm", Bar)
    monkeypatch.setattr(Scorer, "score_texts", score_texts)
    source = tmp_path / "table.csv"
    pd.DataFrame({"text": ["The notes show no gain in function."] * 600}).to_csv(source)
    assert main(["score-table", str(source), "--text-column", "text", "--model",
                 str(model_dir), "--out", str(tmp_path / "out.csv")]) == 0
    last_scoring = len(events) - 1 - events[::-1].index("scoring")
    assert "progress" in events[:last_scoring] and events.count("progress") == 600


# Disk full (any write failure) in every command's --out: one line, exit 2, nothing half-done

LIMITED = """
import resource
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))  # then writes fail: EFBIG
"""


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_full_disk_while_scoring_ends_with_one_line_and_resume_completes(
        letters, model_dir, tmp_path, suffix):
    full, out = tmp_path / f"full{suffix}", tmp_path / f"scores{suffix}"
    assert _score([letters], model_dir, full) == 0
    args = ["score", str(letters), "--model", str(model_dir), "--out", str(out), "-q",
            "--workers", "1"]
    done = _run(*args, prelude=LIMITED.format(limit=6_000))
    assert done.returncode == 2
    _one_line(done.stderr, f"{partial_path(out)}: cannot write (File too large)",
              f"rows so far are in {partial_path(out)}; rerun with --resume to go on")
    assert not out.exists() and not list(tmp_path.glob(".*.tmp"))
    assert main([*args, "--resume"]) == 0
    assert _rows(out) == _rows(full)


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_full_disk_while_converting_keeps_the_journal_for_resume(
        letters, model_dir, tmp_path, monkeypatch, capsys, suffix):
    full, out = tmp_path / f"full{suffix}", tmp_path / f"scores{suffix}"
    assert _score([letters], model_dir, full) == 0
    writer = {".csv": "_write_csv", ".parquet": "_write_parquet", ".jsonl": "_write_jsonl_rows"}

    def disk_full(_rows, path, *_):
        Path(path).write_text("half a table")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(output, writer[suffix], disk_full)
    capsys.readouterr()
    assert _score([letters], model_dir, out) == 2
    _one_line(capsys.readouterr().err, f"{out}: cannot write (No space left on device)",
              "rerun with --resume to go on")
    assert not out.exists() and not list(tmp_path.glob(".*.tmp"))
    monkeypatch.undo()
    assert _score([letters], model_dir, out, "--resume") == 0
    assert _rows(out) == _rows(full)


@pytest.mark.parametrize("command", ["segment", "score-table"])
def test_a_full_disk_in_segment_and_score_table_ends_with_one_line(
        letters, model_dir, tmp_path, command):
    if command == "segment":
        out = tmp_path / "items.jsonl"
        args = ["segment", str(letters), "--out", str(out), "-q"]
    else:
        out, source = tmp_path / "scored.csv", tmp_path / "table.csv"
        pd.DataFrame({"text": ["The notes show no gain in function."] * 400}).to_csv(source)
        args = ["score-table", str(source), "--text-column", "text", "--model",
                str(model_dir), "--out", str(out), "-q"]
    done = _run(*args, prelude=LIMITED.format(limit=6_000))
    assert done.returncode == 2
    _one_line(done.stderr, "cannot write (File too large)")
    assert not out.exists() and not list(tmp_path.glob(".*.tmp"))


# SIGTERM while the model loads: stopped as during scoring

SLOW_LOAD = """
import time
from pathlib import Path
import imr_ml.scoring.scorer as scorer
load = scorer.load_model

def slow(*args, **kwargs):
    Path({marker!r}).write_text("loading")
    time.sleep(60)
    return load(*args, **kwargs)

scorer.load_model = slow
"""


@pytest.mark.parametrize("command", ["score", "score-table"])
def test_sigterm_while_the_model_loads_stops_with_one_line(letters, model_dir, tmp_path,
                                                           command):
    marker = tmp_path / "loading"
    inputs = [str(letters)] if command == "score" else [str(letters / "x.csv"),
                                                        "--text-column", "text"]
    code = SLOW_LOAD.format(marker=str(marker)) + RUN_MAIN
    proc = subprocess.Popen([sys.executable, "-c", code, command, *inputs, "--model",
                             str(model_dir), "--out", str(tmp_path / "out.csv"), "-q"],
                            env=ENV, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + DEADLINE
        while not marker.exists():
            assert time.monotonic() < deadline and proc.poll() is None, "never loaded"
            time.sleep(0.05)
        proc.terminate()
        _, err = proc.communicate(timeout=DEADLINE)
    finally:
        proc.kill()
    assert proc.returncode == 130
    _one_line(err, f"imr-ml {command}: stopped")


# --resume removes the temporaries killed runs left, and refuses another model or inputs

def test_resume_removes_stale_temporaries_but_not_a_live_runs(letters, model_dir, tmp_path,
                                                              monkeypatch):
    out = tmp_path / "scores.csv"
    _stopped_after_3_rows(letters, model_dir, out, monkeypatch)
    stale, live = tmp_path / ".scores.csv.k1ll3d.tmp", tmp_path / ".scores.csv.l1v3.tmp"
    stale.write_text("half a table")
    live.write_text("a table being written")
    with live.open() as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        assert _score([letters], model_dir, out, "--resume") == 0
    assert not stale.exists() and live.exists() and out.exists()


def test_resume_with_another_model_or_other_inputs_is_refused(letters, model_dir, tmp_path,
                                                              monkeypatch, capsys):
    out = tmp_path / "scores.jsonl"
    _stopped_after_3_rows(letters, model_dir, out, monkeypatch)
    journal = partial_path(out).read_text()
    model = persistence.load(model_dir)
    model.decision_threshold_ += 0.01
    other_model = persistence.save(model, tmp_path / "other-model")
    capsys.readouterr()
    for ref, paths, extra, what in [
            (other_model, [letters], [], "another model"),
            (model_dir, [letters / "small.txt"], [], "other inputs"),
            (model_dir, [letters], ["--max-bytes", "5000"], "other inputs")]:
        assert _score(paths, ref, out, "--resume", *extra) == 2
        _one_line(capsys.readouterr().err, str(partial_path(out)), what, "without --resume")
        assert partial_path(out).read_text() == journal


# CSV formula injection: neutralised in CSV only

def test_csv_cells_that_would_run_as_formulas_are_neutralised(model_dir, tmp_path,
                                                              monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("=cmd.txt").write_text(SMALL_LETTER)
    items = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "plain"]
    pd.DataFrame({"text": ["The notes show no gain."] * len(items), "item": items}
                 ).to_parquet("table.parquet")
    for suffix in FORMATS:
        assert _score(["=cmd.txt"], model_dir, Path(f"scores{suffix}")) == 0
        assert main(["score-table", "table.parquet", "--text-column", "text", "--item-column",
                     "item", "--model", str(model_dir), "--out", f"scored{suffix}", "-q"]) == 0
    raw = pd.read_csv("scored.csv", dtype=str, keep_default_na=False)
    assert raw["item_text"].tolist() == [*(f"'{item}" for item in items[:-1]), "plain"]
    assert raw["p_overturned"].astype(float).between(0, 1).all()  # numbers stay numbers
    letter = pd.read_csv("scores.csv", dtype=str, keep_default_na=False).iloc[0]
    assert (letter["source"], letter["letter_id"]) == ("'=cmd.txt", "'=cmd")
    for suffix in (".jsonl", ".parquet"):  # values as they are
        assert [r["item_text"] for r in _rows(Path(f"scored{suffix}"))] == items
        assert _rows(Path(f"scores{suffix}"))[0]["source"] == "=cmd.txt"



def test_resume_refuses_a_journal_whose_rows_lack_columns(letters, model_dir, tmp_path,
                                                          monkeypatch, capsys):
    out = tmp_path / "scores.csv"
    _stopped_after_3_rows(letters, model_dir, out, monkeypatch)
    header, *rows = partial_path(out).read_text().splitlines()
    del (cut := json.loads(rows[1]))["status"]
    partial_path(out).write_text("\n".join([header, rows[0], json.dumps(cut), rows[2]]) + "\n")
    capsys.readouterr()
    assert _score([letters], model_dir, out, "--resume") == 2
    _one_line(capsys.readouterr().err, f"{partial_path(out)}:3: not a row of an imr-ml run")


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_timeout_must_be_a_finite_number(letters, tmp_path, capsys, value):
    with pytest.raises(SystemExit) as stop:
        main(["score", str(letters), "--out", str(tmp_path / "o.csv"), "--timeout", value])
    assert stop.value.code == 2 and "not a finite number" in capsys.readouterr().err
