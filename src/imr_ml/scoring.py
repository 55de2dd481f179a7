"""Batch scoring: letters or rationale texts → prediction rows (design §3).

`Scorer` wraps a loaded `ImrClassifier`. `score_letters` streams: inputs go in chunks to
worker processes (forked, they share the loaded model), which read each file under a time
limit, segment and predict; rows come back in input order, so memory stays flat however many
letters stream through. Every input gives at least one row; a bad one gives an error row, and
so does a file whose worker process dies scoring it (see `_Pool`). Workers end with the
parent process, however it ends.
"""

from __future__ import annotations

import ctypes
import itertools
import json
import os
import signal
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType
from typing import Self

import pandas as pd
import pyarrow as pa

from imr_ml.features import fast_word_tfidf
from imr_ml.items import Row, error_row, segment_batch
from imr_ml.letters import DEFAULT_MAX_BYTES, Letter, LetterError, iter_paths, read_letter
from imr_ml.model import ImrClassifier
from imr_ml.registry import LATEST, load_classifier
from imr_ml.segment import make_nlp

DEFAULT_CHUNK = 256
DEFAULT_TIMEOUT = 30.0
LETTER_FIELDS = ("letter_id", "source", "item_index", "item_text", "layout", "decision_stated")
LIST_COLUMNS = ("reasons_pred", "guidelines")
_TYPES = {"item_index": pa.int64(), "row": pa.int64(), "decision_agrees": pa.bool_(),
          **dict.fromkeys(LIST_COLUMNS, pa.list_(pa.string()))}


class _Timeout(Exception):
    pass


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise _Timeout


def read_with_timeout(path: Path, timeout: float | None, max_bytes: int) -> Letter | LetterError:
    """`read_letter`, or its LetterError; "timeout" when it takes over `timeout` seconds.

    The limit uses SIGALRM, so it applies in a process's main thread only (as in workers).
    """
    timed = bool(timeout) and threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGALRM, _alarm) if timed else None
    try:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, timeout)
        return read_letter(path, max_bytes=max_bytes)
    except LetterError as err:
        return err
    except _Timeout:
        return LetterError(str(path), "timeout", f"extraction timed out after {timeout:g} s")
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


class Scorer:
    """Prediction rows from a model: `score_letters` (files) and `score_texts` (texts)."""

    def __init__(self, model: ImrClassifier, explain_top_k: int = 0) -> None:
        fast_word_tfidf(model.decision_pipeline)  # same predictions, faster (in place)
        fast_word_tfidf(model.reason_pipeline)
        self.model = model
        self.explain_top_k = explain_top_k  # > 0: an `explanation` column (JSON)
        p_reasons = [f"p_{label}" for label in model.reasons]
        predicted = ["decision_pred", "p_overturned", "decision_agrees", "reasons_pred",
                     *p_reasons, *(["explanation"] if explain_top_k else [])]
        self.columns = [*LETTER_FIELDS, *predicted, "guidelines", "status", "error"]
        self.table_columns = ["row", "item_text", *predicted, "status", "error"]

    def schema(self, table: bool = False) -> pa.Schema:
        """Arrow schema of the rows (for Parquet): lists of strings, numbers, booleans."""
        columns = self.table_columns if table else self.columns
        return pa.schema([(c, _TYPES.get(c, pa.float64() if c.startswith("p_") else pa.string()))
                          for c in columns])

    def predict_rows(self, rows: Sequence[Row], columns: Sequence[str] | None = None) -> list[Row]:
        """Prediction rows for item rows (of `items`); rows that are not `ok` pass through."""
        columns = columns or self.columns
        ok = [r for r in rows if r["status"] == "ok"]
        # each item's file and position: the letter context reads a letter's items together;
        # object columns: the texts stay the Python strings they are (no Arrow round trips)
        frame = pd.DataFrame(ok, columns=["source", "item_index", "rationale", "item_text",
                                          "decision_stated"], dtype=object
                             ).rename(columns={"source": "letter_id"})
        predicted = self.model.predict_items(frame).to_dict("records") if ok else []
        if ok and self.explain_top_k:
            for pred, part in zip(predicted, self.model.explain(frame, self.explain_top_k)):
                pred["explanation"] = _explanation(pred, part)
        found = iter(predicted)
        out = []
        for row in rows:
            values = {**row, **(next(found) if row["status"] == "ok" else {})}
            values["reasons_pred"] = values.get("reasons_pred") or []
            values["guidelines"] = [g["source"] for g in row.get("guidelines") or []]
            out.append({c: values.get(c) for c in columns})
        return out

    def score_letters(
        self,
        paths: Iterable[str | Path],
        *,
        workers: int = 1,
        chunk_size: int = DEFAULT_CHUNK,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        skip: Iterable[str] = (),
    ) -> Iterator[Row]:
        """Prediction rows of letter files, folders and globs, lazily and in input order.

        Files whose source (path as given) is in `skip` are left out (for resuming). With
        `workers` > 1, chunks of paths are scored in that many processes.
        """
        done = set(skip)
        todo = (p for p in iter_paths(paths) if str(p) not in done)
        chunks = tapered_chunks(todo, chunk_size, workers)
        if workers <= 1:
            worker = _Worker(self, timeout, max_bytes)
            for chunk in chunks:
                yield from worker.score(chunk)
            return
        self.model.warm_up()  # built once here, inherited by forked workers
        # The workers are forked now, before the inputs are listed: a large folder's list of
        # paths would otherwise be copied into each of them.
        with _Pool(self, workers, (timeout, max_bytes)) as pool:
            pending: deque[tuple[list[Path], Future[list[Row]]]] = deque()
            for chunk in chunks:
                pending.append((chunk, pool.submit(chunk)))
                if len(pending) > 2 * workers:  # bounded look-ahead, results in order
                    yield from pool.first_rows(pending)
            while pending:
                yield from pool.first_rows(pending)

    def score_texts(
        self, texts: Sequence[str] | pd.Series, item_texts: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """One prediction row per rationale text; `row` is its index (a Series' index).

        A missing or blank text gives status `error` instead of a prediction.
        """
        if item_texts is not None and len(item_texts) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(item_texts)} item texts")
        index = texts.index if isinstance(texts, pd.Series) else range(len(texts))
        items = item_texts if item_texts is not None else itertools.repeat("")
        rows = []
        for row, text, item in zip(index, texts, items):
            blank = not isinstance(text, str) or not text.strip()
            rows.append({"row": int(row), "rationale": "" if blank else text,
                         "item_text": item if isinstance(item, str) else "",
                         "status": "error" if blank else "ok",
                         "error": f"row {row}: empty text" if blank else ""})
        return pd.DataFrame(self.predict_rows(rows, self.table_columns),
                            columns=self.table_columns)


def tapered_chunks(items: Iterable[Path], size: int, workers: int) -> Iterator[list[Path]]:
    """The items in order, in lists of `size`; the last `size * (workers + 1)` or fewer in
    `4 * workers` smaller lists, so that the workers run out of work at nearly the same time
    instead of one finishing a whole chunk alone. Holds at most `size * (workers + 1)` items.
    """
    workers = max(workers, 1)
    buffer: list[Path] = []
    for item in items:
        buffer.append(item)
        if len(buffer) == size * (workers + 1):
            yield buffer[:size]
            buffer = buffer[size:]
    piece = max(1, -(-len(buffer) // (4 * workers)))
    for start in range(0, len(buffer), piece):
        yield buffer[start:start + piece]


def _explanation(pred: Row, part: dict) -> str:
    """JSON: the top features behind each predicted label (decision and reasons)."""
    side = "toward" if pred["decision_pred"] == "overturned" else "against"
    out = {f"decision:{pred['decision_pred']}": part["decision"][side]}
    out |= {reason: part[reason]["toward"] for reason in pred["reasons_pred"]}
    return json.dumps({k: [[f, round(c, 4)] for f, c in v] for k, v in out.items()})


class _Worker:
    """Reads, segments and predicts chunks of paths (in a worker process or in-process)."""

    def __init__(self, scorer: Scorer, timeout: float | None, max_bytes: int) -> None:
        self.scorer, self.timeout, self.max_bytes = scorer, timeout, max_bytes
        self.nlp = make_nlp()

    def score(self, paths: list[Path]) -> list[Row]:
        entries = [read_with_timeout(p, self.timeout, self.max_bytes) for p in paths]
        return self.scorer.predict_rows(
            [row for _, rows in segment_batch(self.nlp, entries) for row in rows])


class _Pool:
    """Worker processes scoring chunks of paths (`submit`, then `first_rows` in order).

    A worker can die without raising anything (kill -9, the OOM killer, a crash in the PDF
    library), and that breaks the whole pool. `first_rows` then starts a fresh pool of one
    worker and re-runs there, one at a time, the chunks the broken pool had not finished; a
    chunk that breaks it again is re-run file by file, and a file that kills its worker even
    alone gets an error row. A fresh pool of `workers` then goes on. Left on an exception
    (Ctrl-C, SIGTERM, the rows no longer wanted), the pool kills its workers at once.
    """

    def __init__(self, scorer: Scorer, workers: int, settings: tuple[float | None, int]) -> None:
        self.scorer, self.workers, self.settings = scorer, workers, settings
        self.executor = self._start(workers)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        if error is not None:
            for process in self._processes():
                process.kill()
        self.executor.shutdown(cancel_futures=True)

    def submit(self, chunk: list[Path]) -> Future[list[Row]]:
        try:
            return self.executor.submit(_score_in_worker, chunk)
        except BrokenProcessPool as err:  # a worker died since the last chunk: re-run later
            future: Future[list[Row]] = Future()
            future.set_exception(err)
            return future

    def first_rows(self, pending: deque[tuple[list[Path], Future[list[Row]]]]) -> list[Row]:
        """The rows of the first pending chunk, removed from `pending`; if the pool broke,
        every pending chunk it had not finished is re-run first (in place in `pending`)."""
        if isinstance(pending[0][1].exception(), BrokenProcessPool):
            self._restart(1)
            for n, (chunk, future) in enumerate(pending):
                if not future.done() or isinstance(future.exception(), BrokenProcessPool):
                    rerun: Future[list[Row]] = Future()
                    rerun.set_result(self._alone(chunk))
                    pending[n] = (chunk, rerun)
            self._restart(self.workers)
        return pending.popleft()[1].result()

    def _alone(self, paths: list[Path]) -> list[Row]:
        """Rows of `paths` scored by the only worker of the pool, with nothing else to do;
        if it dies, each path alone in turn, and a path it dies on alone gets an error row."""
        try:
            return self.executor.submit(_score_in_worker, paths).result()
        except BrokenProcessPool:
            exit_codes = self._restart(1)
        if len(paths) > 1:
            return [row for path in paths for row in self._alone([path])]
        death = _describe_death(exit_codes[0] if len(exit_codes) == 1 else None)
        return self.scorer.predict_rows(
            [error_row(LetterError(str(paths[0]), "worker_died", death))])

    def _start(self, workers: int) -> ProcessPoolExecutor:
        executor = ProcessPoolExecutor(workers, initializer=_init_worker,
                                       initargs=(self.scorer, *self.settings))
        executor.submit(int).result()  # fork the workers now
        return executor

    def _restart(self, workers: int) -> list[int | None]:
        """Replace the pool by a fresh one of `workers`; the old workers' exit codes."""
        processes = self._processes()
        self.executor.shutdown(cancel_futures=True)  # joins them
        self.executor = self._start(workers)
        return [process.exitcode for process in processes]

    def _processes(self) -> list[BaseProcess]:
        # ProcessPoolExecutor has no public list of its processes (kill_workers is 3.14+)
        return list((self.executor._processes or {}).values())  # type: ignore[attr-defined]


def _describe_death(exit_code: int | None) -> str:
    """Why a worker died, from its exit code: "... died (signal 9: Killed)"."""
    how = ""
    if exit_code is not None and exit_code < 0:
        name = signal.strsignal(-exit_code)
        how = f" (signal {-exit_code}{f': {name}' if name else ''})"
    elif exit_code:
        how = f" (exit status {exit_code})"
    return f"the worker scoring this file died{how}"


_WORKER: _Worker | None = None
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _init_worker(scorer: Scorer, timeout: float | None, max_bytes: int) -> None:
    """Set up a worker process; a forked one shares the parent's `scorer` without
    pickling or loading it again (a spawned one receives it pickled).

    Ctrl-C and SIGTERM are for the parent, which then kills its workers (`_Pool`); a worker
    ends when its parent dies, even by SIGKILL (`_exit_with_parent`).
    """
    global _WORKER
    _exit_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the handler inherited from `imr-ml`
    _WORKER = _Worker(scorer, timeout, max_bytes)


def _exit_with_parent() -> None:
    """Have this process killed when its parent process dies: by the kernel on Linux
    (prctl PR_SET_PDEATHSIG), elsewhere by a thread that checks every second."""
    parent = os.getppid()
    if sys.platform == "linux" and ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) == 0:
        if os.getppid() != parent:  # it died in the meantime
            os._exit(1)
        return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _score_in_worker(paths: list[Path]) -> list[Row]:
    assert _WORKER is not None, "worker not initialised"
    return _WORKER.score(paths)


def load_model(ref: str | None = None, pointer: Path = LATEST, explain_top_k: int = 0) -> Scorer:
    """A Scorer for the model `ref` names (folder, MLflow URI, or models/LATEST if None).

    Models are code: only load ones you made or trust. The artefact's sha256 and package
    versions are checked before unpickling (`ModelLoadError` otherwise).
    """
    return Scorer(load_classifier(ref, pointer), explain_top_k)


def is_letter_start(row: Row) -> bool:
    """The row is the first (or only) row of its letter."""
    return row["status"] != "ok" or row["item_index"] == 0


@dataclass
class Summary:
    """Counts for the progress bar and the end-of-run summary (no letter text)."""

    inputs: Counter[str] = field(default_factory=Counter)
    decisions: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    disagreements: int = 0

    def add(self, row: Row, first: bool = True) -> None:
        if first:
            self.inputs[row["status"]] += 1
        if row["status"] == "ok":
            self.decisions[row["decision_pred"]] += 1
            self.reasons.update(row["reasons_pred"])
            self.disagreements += row["decision_agrees"] is False

    def postfix(self) -> dict[str, int]:
        return {s: self.inputs[s] for s in ("ok", "no_items", "error")}

    def report(self, what: str) -> str:
        def listed(counts: Iterable[tuple[str, int]]) -> str:
            return ", ".join(f"{n} {name}" for name, n in counts) or "none"

        return (f"scored {sum(self.inputs.values())} {what}: {listed(sorted(self.inputs.items()))}"
                f"; {sum(self.decisions.values())} items: {listed(sorted(self.decisions.items()))}"
                f"; top reasons: {listed(self.reasons.most_common(5))}; {self.disagreements} "
                "predictions disagree with the stated decision")
