"""`imr-ml score` / `score-table` and the Scorer API, on a tiny model trained here."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import imr_ml
from badinputs import SMALL_LETTER, write_all
from imr_ml.cli import main
from imr_ml.labels import CATEGORIES, DRUG_CLASSES, PHARMACY
from imr_ml.scoring import workers
from imr_ml.scoring.output import partial_path, read_table
from imr_ml.scoring.scorer import LIST_COLUMNS, Scorer, is_letter_start, load_model
from imr_ml.scoring.workers import tapered_chunks
from imr_ml.segment.categories import shared_lexicon
from imr_ml.segment.rows import segment_letters
from pdfs import text_to_pdf
from test_cli_segment import EXPECTED_ERRORS

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).parent
SAMPLES = ROOT / "data" / "samples"
REAL = Path(__file__).resolve().parents[2] / "shared" / "real"


@pytest.fixture(scope="module")
def scorer(model_dir) -> Scorer:
    assert imr_ml.load_model is load_model
    return imr_ml.load_model(str(model_dir))


@pytest.fixture()
def inputs(tmp_path) -> Path:
    """Good letters of every layout (one as a PDF) and every bad input, in one folder."""
    folder = tmp_path / "in"
    shutil.copytree(HERE / "letters", folder / "good")
    for path in sorted((SAMPLES / "letters").glob("*.txt"))[:4]:
        shutil.copy(path, folder / "good")
    text_to_pdf(SMALL_LETTER, folder / "good" / "small.pdf")
    write_all(folder / "bad")
    return folder


def _score(inputs: Path, model_dir: Path, out: Path, *extra: str) -> int:
    return main(["score", str(inputs), "--model", str(model_dir), "--out", str(out),
                 "--workers", "1", "-q", *extra])


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_every_input_accounted_for(inputs, model_dir, scorer, tmp_path, capsys):
    out = tmp_path / "scores.jsonl"
    assert _score(inputs, model_dir, out) == 0
    rows = _jsonl(out)
    assert all(list(r) == scorer.columns for r in rows)
    by_file = defaultdict(list)
    for r in rows:
        by_file[Path(r["source"]).name].append(r)
    good = {p.name for p in (inputs / "good").iterdir()}
    assert set(by_file) == set(EXPECTED_ERRORS) | good
    for name, (status, words) in EXPECTED_ERRORS.items():
        (row,) = by_file[name]
        assert (row["status"], row["decision_pred"], row["reasons_pred"]) == (status, None, [])
        assert words.lower() in row["error"].lower() and name in row["error"], row["error"]
    ok = [r for r in rows if r["status"] == "ok"]
    assert {Path(r["source"]).name for r in ok} == good
    assert {r["layout"] for r in ok} == {"numbered_2013", "decisions_rationales",
                                          "issue_at_dispute", "issues_decisions"}
    for r in ok:
        assert r["decision_pred"] in {"upheld", "overturned"} and 0 <= r["p_overturned"] <= 1
        assert r["decision_agrees"] == (r["decision_pred"] == r["decision_stated"])
        assert set(r["reasons_pred"]) <= set(scorer.model.reasons)
        assert all(isinstance(g, str) for g in r["guidelines"]) and r["error"] == ""
    err = capsys.readouterr().err
    assert f"scored {len(good) + len(EXPECTED_ERRORS)} letters" in err
    assert "predictions disagree" in err and "aquatic" not in err.lower()
    assert _score(inputs, model_dir, tmp_path / "strict.jsonl", "--strict") == 1


def test_workers_keep_input_order(inputs, scorer):
    one = list(scorer.score_letters([inputs], chunk_size=3))
    assert list(scorer.score_letters([inputs], workers=2, chunk_size=3)) == one


@pytest.mark.parametrize("n", [0, 1, 11, 12, 13, 40])
def test_chunks_keep_order_and_taper_at_the_end(n):
    chunks = list(tapered_chunks(iter(range(n)), 4, 2))
    assert [x for chunk in chunks for x in chunk] == list(range(n))
    assert all(chunks) and all(len(chunk) <= 4 for chunk in chunks)
    assert all(len(chunk) <= 2 for chunk in chunks[-4:])  # the last 12 or fewer in 8 lists
    full = [len(chunk) == 4 for chunk in chunks]
    assert full == sorted(full, reverse=True)  # full chunks first
    assert [x for chunk in tapered_chunks(iter(range(n)), 4, 0) for x in chunk] == list(range(n))


def test_slow_extraction_times_out_and_the_batch_goes_on(inputs, scorer, monkeypatch):
    def slow(path, **kwargs):
        if path.suffix == ".pdf":
            time.sleep(5)
        return real(path, **kwargs)

    real = workers.read_letter
    monkeypatch.setattr(workers, "read_letter", slow)
    rows = list(scorer.score_letters([inputs / "good"], timeout=0.2))
    (pdf,) = [r for r in rows if r["source"].endswith(".pdf")]
    assert pdf["status"] == "error"
    assert pdf["error"].endswith("small.pdf: extraction timed out after 0.2 s")
    assert {r["status"] for r in rows if r is not pdf} == {"ok"}


def test_killed_run_resumes_to_the_same_rows(inputs, model_dir, tmp_path, monkeypatch, capsys):
    full = tmp_path / "full.jsonl"
    _score(inputs, model_dir, full)
    letters = len({r["source"] for r in _jsonl(full)})
    out = tmp_path / "resumed.jsonl"
    original = Scorer.score_letters

    def killed_after_9_rows(self, *args, **kwargs):
        rows = original(self, *args, **kwargs)
        for _ in range(9):
            yield next(rows)
        raise KeyboardInterrupt

    monkeypatch.setattr(Scorer, "score_letters", killed_after_9_rows)
    assert _score(inputs, model_dir, out) == 130
    assert "rerun with --resume" in capsys.readouterr().err
    monkeypatch.undo()
    journal = partial_path(out)
    header, *journalled = _jsonl(journal)
    assert not out.exists() and len(journalled) == 9 and set(header) == {"imr_ml_journal"}
    assert any(r["status"] == "error" for r in journalled)
    journal.write_bytes(journal.read_bytes()[:-20])  # a kill mid-line
    # the journal's error rows count for --strict and the summary, as in one whole run
    assert _score(inputs, model_dir, out, "--resume", "--strict") == 1
    assert f"scored {letters} letters" in capsys.readouterr().err
    assert _jsonl(out) == _jsonl(full) and not journal.exists()


@pytest.mark.parametrize("journal_text", ["garbage\n", "[1, 2]\n", '{"row": 1}\n'])
def test_resume_from_a_damaged_journal_is_refused(inputs, model_dir, tmp_path, capsys,
                                                   journal_text):
    out = tmp_path / "out.csv"
    partial_path(out).write_text(journal_text)
    assert _score(inputs, model_dir, out, "--resume") == 2
    err = capsys.readouterr().err
    assert f"{partial_path(out)}:1: not a row" in err and len(err.strip().splitlines()) == 1
    assert partial_path(out).read_text() == journal_text


def test_csv_and_parquet_round_trip_through_pandas(inputs, model_dir, scorer, tmp_path):
    reference = tmp_path / "scores.jsonl"
    _score(inputs, model_dir, reference)
    expected = read_table(reference)
    assert list(expected.columns) == scorer.columns
    for suffix in (".csv", ".parquet"):
        out = tmp_path / f"scores{suffix}"
        _score(inputs, model_dir, out)
        frame = read_table(out, LIST_COLUMNS)
        assert list(frame.columns) == scorer.columns and len(frame) == len(expected)
        for column in ("source", "status", "decision_pred", *LIST_COLUMNS):
            assert frame[column].map(_plain).tolist() == expected[column].map(_plain).tolist()
        pd.testing.assert_series_equal(frame["p_overturned"], expected["p_overturned"])
    raw = pd.read_csv(tmp_path / "scores.csv")
    joined = [";".join(r) for r in expected["reasons_pred"] if len(r) > 1]
    assert joined and set(joined) <= set(raw["reasons_pred"].dropna())
    indices = pd.read_csv(tmp_path / "scores.csv", dtype=str)["item_index"]
    assert indices.isna().any() and indices.dropna().str.fullmatch(r"\d+").all()  # not 0.0
    umask = os.umask(0)
    os.umask(umask)
    for suffix in (".csv", ".parquet", ".jsonl"):
        assert (tmp_path / f"scores{suffix}").stat().st_mode & 0o777 == 0o666 & ~umask


def _plain(value):
    """Comparable cell: lists (numpy arrays from Parquet) as lists, missing as None."""
    if isinstance(value, str) or value is None:
        return value
    return None if pd.api.types.is_scalar(value) and pd.isna(value) else list(value)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_score_table(model_dir, scorer, tmp_path, suffix):
    items = [r for _, rows in segment_letters([HERE / "letters"]) for r in rows]
    table = pd.DataFrame({"text": [r["rationale"] for r in items] + [""],
                          "item": [r["item_text"] for r in items] + ["x"]})
    source = tmp_path / f"table{suffix}"
    (table.to_csv(source, index=False) if suffix == ".csv" else table.to_parquet(source))
    out = tmp_path / "scored.jsonl"
    assert main(["score-table", str(source), "--text-column", "text", "--item-column", "item",
                 "--model", str(model_dir), "--out", str(out), "-q"]) == 0
    rows = _jsonl(out)
    assert [r["row"] for r in rows] == list(range(len(table)))
    assert list(rows[0]) == scorer.table_columns
    assert rows[-1]["status"] == "error" and rows[-1]["error"] == f"row {len(items)}: empty text"
    expected = scorer.model.predict_items(pd.DataFrame(items)[["rationale", "item_text"]])
    assert [r["decision_pred"] for r in rows[:-1]] == expected["decision_pred"].tolist()
    assert rows[-1]["decision_pred"] is None and rows[-1]["p_overturned"] is None
    for out_suffix in (".csv", ".parquet"):  # the blank row's missing values write as nulls
        other = tmp_path / f"scored{out_suffix}"
        assert main(["score-table", str(source), "--text-column", "text", "--model",
                     str(model_dir), "--out", str(other), "-q"]) == 0
        written = read_table(other)
        assert len(written) == len(table) and written["decision_pred"].isna().tolist()[-1]
    assert main(["score-table", str(source), "--text-column", "nope", "--model", str(model_dir),
                 "--out", str(out), "-q"]) == 2


def test_bad_model_or_output_gives_a_clean_error(inputs, model_dir, tmp_path, capsys):
    tampered = tmp_path / "tampered"
    shutil.copytree(model_dir, tampered)
    data = bytearray((tampered / "model.joblib").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tampered / "model.joblib").write_bytes(bytes(data))
    (tmp_path / "a_folder.csv").mkdir()
    (tmp_path / "a_file").write_text("")
    cases = [(tampered, "out.jsonl", "sha256 does not match"),
             (tmp_path / "absent", "out.jsonl", "neither a folder nor an MLflow URI"),
             (model_dir, "out.xlsx", "unsupported table format"),
             (model_dir, "a_folder.csv", "is a folder"),
             (model_dir, "a_file/out.csv", "cannot create its folder")]
    for model, out, message in cases:
        assert _score(inputs, model, tmp_path / out) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.skipif(not (REAL / "labels.jsonl").exists(), reason="../shared not present")
def test_real_letters_give_their_labelled_decision(scorer):
    labels = {(r["letter_id"], r["item_index"]): r["decision"] for r in
              map(json.loads, (REAL / "labels.jsonl").read_text(encoding="utf-8").splitlines())}
    rows = list(scorer.score_letters([REAL / "letters"]))
    stated = {(r["letter_id"], r["item_index"]): r["decision_stated"] for r in rows}
    same = sum(stated.get(key) == decision for key, decision in labels.items())
    assert same >= 0.99 * len(labels)
    agrees = [r["decision_agrees"] for r in rows if r["decision_agrees"] is not None]
    print(f"real letters: {same}/{len(labels)} stated decisions as labelled; "
          f"decision_agrees {sum(agrees) / len(agrees):.1%} of {len(agrees)} items")


@pytest.mark.shared
@pytest.mark.skipif(not (REAL / "labels.jsonl").exists(), reason="../shared not present")
def test_every_predicted_reason_has_an_evidence_sentence_of_its_rationale(scorer):
    """On the real letters: the `evidence` column names a sentence of the item's rationale
    (checked by offsets) for every predicted reason, and nothing else."""
    rationales = {(r["letter_id"], r["item_index"]): r["rationale"]
                  for _, rows in segment_letters([REAL / "letters"]) for r in rows}
    rows = [r for r in scorer.score_letters([REAL / "letters"]) if r["status"] == "ok"]
    reasons = 0
    for row in rows:
        evidence = json.loads(row["evidence"])
        assert set(evidence) == set(row["reasons_pred"])
        rationale = rationales[(row["letter_id"], row["item_index"])]
        for part in evidence.values():
            assert part["text"] and rationale[part["start"]:part["end"]] == part["text"]
        reasons += len(evidence)
    assert reasons > len(rows) / 2  # the real upheld items get reasons


def test_explain_adds_the_features_behind_each_predicted_label(inputs, model_dir, tmp_path):
    import json

    from imr_ml.cli import main

    out = tmp_path / "explained.jsonl"
    assert main(["score", str(inputs / "good"), "--model", str(model_dir), "--out", str(out),
                 "--explain", "3", "--workers", "1", "-q"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    ok = [r for r in rows if r["status"] == "ok"]
    assert ok
    for row in ok:
        explanation = json.loads(row["explanation"])
        assert set(explanation) == {f"decision:{row['decision_pred']}", *row["reasons_pred"]}
        assert all(len(features) <= 3 for features in explanation.values())


def test_scoring_reads_each_letters_items_together(model_dir, tmp_path):
    """The letter context re-scores a surgery's associated services in `score` as in
    `predict_items` over the letter's items table."""
    from sklearn.linear_model import LogisticRegression

    from imr_ml.model.letter_context import LetterContext, surgery_positions

    scorer = load_model(str(model_dir))
    scorer.model.letter_context_ = LetterContext()
    scorer.model.letter_context_.model_ = LogisticRegression().fit([[-1, -1], [1, 1]], [0, 1])
    scorer.model.letter_context_.model_.intercept_[:] = -20.0  # so that it lowers every service
    letters = [SAMPLES / "letters" / f"{name}.txt" for name in ("synth_000002", "synth_000001")]
    rows = list(scorer.score_letters(letters, workers=1))
    items = pd.DataFrame([r for _, rs in segment_letters(letters) for r in rs])
    services = surgery_positions(items) >= 0
    assert services.any() and not services.all()
    expected = scorer.model.predict_items(items)["p_overturned"]
    assert [r["p_overturned"] for r in rows] == pytest.approx(expected.tolist())
    plain = load_model(str(model_dir)).model.predict_items(items)["p_overturned"]
    assert not np.allclose(plain[services], expected[services])


# A worker process that dies (kill -9, OOM killer, crash in the PDF library)

@pytest.mark.parametrize("poisons", [["numbered_2013.txt"], ["corrupt.pdf", "synth_000003.txt"]])
def test_a_worker_that_dies_costs_one_error_row(inputs, scorer, monkeypatch, poisons):
    expected = list(scorer.score_letters([inputs], chunk_size=3))
    parent, read = os.getpid(), workers.read_with_timeout

    def deadly(path, *args):  # forked workers inherit it; kill -9 themselves on a poison
        if path.name in poisons and os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return read(path, *args)

    monkeypatch.setattr(workers, "read_with_timeout", deadly)
    rows = list(scorer.score_letters([inputs], workers=2, chunk_size=3))
    assert not multiprocessing.active_children()
    died = [r for r in rows if Path(r["source"]).name in poisons]
    assert [Path(r["source"]).name for r in died] == poisons
    for row in died:
        assert list(row) == scorer.columns
        assert (row["status"], row["decision_pred"], row["reasons_pred"]) == ("error", None, [])
        assert row["error"] == (f"{row['source']}: the worker scoring this file died "
                                "(signal 9: Killed)")
    # every other row as without workers, in order; each poison's rows replaced by its row
    errors = {row["source"]: row for row in died}
    assert rows == [errors.get(r["source"], r) for r in expected
                    if r["source"] not in errors or is_letter_start(r)]


# The parent process killed, or stopped (Ctrl-C, SIGTERM): its workers go too

DEADLINE = 60.0  # seconds; generous: the machine is shared

# Runs `imr-ml score ARGS...` (cli.main) with one file, STALL, taking (nearly) forever in the
# worker that reads it; the worker writes its PID to MARKER first.
STALLING_SCORE = """
import os, signal, sys, time
from pathlib import Path
from imr_ml.cli import main
from imr_ml.scoring import workers

signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
read, stall, marker = workers.read_with_timeout, sys.argv[1], Path(sys.argv[2])

def stalling(path, *args):
    if path.name == stall:
        marker.write_text(str(os.getpid()))
        time.sleep(600)
    return read(path, *args)

workers.read_with_timeout = stalling
raise SystemExit(main(sys.argv[3:]))
"""
STALL = "numbered_2013.txt"  # a good letter after a few chunks of the `inputs` folder


@pytest.fixture()
def stalling_score(tmp_path) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start `imr-ml score` (in a new session) stalling on STALL; returns once a worker is
    stuck on it. Every process of the session is killed at the end of the test."""
    started: list[subprocess.Popen] = []

    def start(*args: str) -> subprocess.Popen:
        marker = tmp_path / f"stalled-{len(started)}"
        env = {**os.environ, "PYTHONPATH": str(Path(imr_ml.__file__).parents[1])}
        proc = subprocess.Popen([sys.executable, "-c", STALLING_SCORE, STALL, str(marker),
                                 "score", *args, "-q"], env=env, start_new_session=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append(proc)
        _wait_for(marker.exists, f"no worker reached {STALL}")
        return proc

    yield start
    for proc in started:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the group of the session it started
        except ProcessLookupError:
            pass
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def _wait_for(condition: Callable[[], bool], message: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.05)


def _children(pid: int) -> set[int]:
    return {int(child) for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()}


def _gone(pid: int) -> bool:
    """The process has ended (a zombie waiting for its new parent to reap it counts)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rpartition(")")[2].split()[0] in ("Z", "X")


linux_only = pytest.mark.skipif(not Path("/proc/self/task").is_dir() or sys.platform != "linux",
                                reason="reads /proc; prctl(PR_SET_PDEATHSIG)")


@linux_only
def test_workers_end_with_a_killed_parent(inputs, model_dir, tmp_path, stalling_score):
    proc = stalling_score(str(inputs), "--model", str(model_dir),
                          "--out", str(tmp_path / "out.jsonl"), "--workers", "2")
    workers = _children(proc.pid)
    assert len(workers) == 2
    proc.kill()
    proc.wait()
    _wait_for(lambda: all(map(_gone, workers)), "workers outlived their parent")


@linux_only
def test_sigterm_stops_like_ctrl_c_and_resume_completes(inputs, model_dir, tmp_path,
                                                          stalling_score):
    full = tmp_path / "full.jsonl"
    assert _score(inputs, model_dir, full) == 0
    out = tmp_path / "out.jsonl"
    journal = partial_path(out)
    ends = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        proc = stalling_score(str(inputs), "--model", str(model_dir), "--out", str(out),
                              "--workers", "2")
        workers = _children(proc.pid)
        if signum == signal.SIGINT:
            os.killpg(proc.pid, signum)  # Ctrl-C: to the terminal's foreground group
        else:
            proc.send_signal(signum)  # `kill PID`
        _, err = proc.communicate(timeout=DEADLINE)
        stopped = [line for line in err.splitlines() if "imr-ml score:" in line]
        ends[signum] = proc.returncode, stopped
        assert all(map(_gone, workers))
    assert ends[signal.SIGTERM] == ends[signal.SIGINT]
    returncode, stopped = ends[signal.SIGTERM]
    assert returncode == 130
    assert stopped == [(f"imr-ml score: stopped; rows so far are in {journal}; "
                        "rerun with --resume to go on")]
    assert not out.exists() and 0 < len(_jsonl(journal)) < len(_jsonl(full))
    assert _score(inputs, model_dir, out, "--resume") == 0
    assert _jsonl(out) == _jsonl(full) and not journal.exists()


def test_explain_says_why_a_letter_gave_nothing(model_dir, tmp_path, capsys):
    assert main(["explain", str(tmp_path / "gone.txt"), "--model", str(model_dir)]) == 1
    err = capsys.readouterr().err
    assert "gone.txt" in err and "not found" in err


def test_score_rows_carry_the_letter_facts_both_guidelines_and_partial_requests(
        scorer, tmp_path):
    letter = tmp_path / "partial.txt"
    letter.write_text(
        "Case Number: CM16-0999999\nDate Assigned: 02/01/2016 Date of Injury: 05/06/2014\n"
        "IMR ISSUES, DECISIONS AND RATIONALES\n"
        "Massage eight sessions was the original request. Massage two sessions was "
        "authorized by the Claims Administrator. The remaining IMR eligible portion of the "
        "original request, Massage six sessions is: Upheld\n"
        "Claims Administrator guideline: Decision based on MTUS Chronic Pain Medical "
        "Treatment 2016, Section(s):\nMassage therapy.\n"
        "MAXIMUS guideline: Decision based on Non-MTUS Citation Official Disability "
        "Guidelines (ODG), Low Back Chapter, Massage.\n"
        "Decision rationale: No gains followed the first sessions. The request is not "
        "medically necessary.\n", encoding="utf-8")
    (row,) = scorer.score_letters([letter])
    assert (row["item_text"], row["original_request"], row["eligible_portion"]) == (
        "Massage six sessions", "Massage eight sessions", "Massage six sessions")
    assert row["guidelines_claims_administrator"] == ["MTUS (Chronic Pain): Massage therapy"]
    assert row["guidelines"] == ["ODG (Low Back): Massage"]
    assert (row["case_number"], row["date_assigned"], row["date_of_injury"]) == (
        "CM16-0999999", "2016-02-01", "2014-05-06")
    assert (row["decision_date"], row["priority"], row["reviewer_specialty"]) == (None, None, [])


def test_every_row_has_a_category_and_pharmacy_rows_a_drug_class(scorer, inputs):
    """The model's category: the lexicon's answer where it has one (as `segment` gives it),
    else the item-text model's; `p_category` a probability."""
    lexicon = shared_lexicon()
    rows = [r for r in scorer.score_letters([inputs / "good"]) if r["status"] == "ok"]
    assert rows
    for row in rows:
        assert row["category"] in CATEGORIES
        assert (row["drug_class"] in DRUG_CLASSES) == (row["category"] == PHARMACY)
        assert 0 < row["p_category"] <= 1
        category, drug_class = lexicon.classify(row["item_text"])
        assert category in (None, row["category"])
        assert drug_class in (None, row["drug_class"])


def test_a_list_value_holding_the_separator_comes_back_whole_from_csv(tmp_path):
    import pyarrow as pa

    from imr_ml.scoring.output import TableWriter

    lists = [["MTUS (Chronic Pain): Opioids;Topical", "ODG"], ["a\\;b", "c\\"], [], ["", "x"]]
    path = tmp_path / "scores.csv"
    writer = TableWriter(path, pa.schema([("letter_id", pa.string()),
                                          ("guidelines", pa.list_(pa.string()))]), {"m": 1})
    writer.start()
    writer.write([{"letter_id": str(k), "guidelines": v} for k, v in enumerate(lists)])
    writer.close()
    assert pd.read_csv(path)["guidelines"].iloc[0] == "MTUS (Chronic Pain): Opioids\\;Topical;ODG"
    assert read_table(path, ["guidelines"])["guidelines"].tolist() == lists
