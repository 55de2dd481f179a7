"""Worker processes that read, segment and predict chunks of letter files, in input order.

Forked workers share the parent's loaded model. A worker can die without raising anything
(kill -9, the OOM killer, a crash in the PDF library); `WorkerPool` then re-runs what it
had not finished and gives a file that kills its worker on its own an error row. Workers
end with the parent process, however it ends.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType
from typing import Self

from imr_ml.errors import LetterError
from imr_ml.letters import Letter, read_letter
from imr_ml.segment import make_nlp
from imr_ml.segment.rows import Row, error_row, segment_batch

DEFAULT_CHUNK = 256
# Prediction rows for item rows (`Scorer.predict_rows`): what a worker does after segmenting.
Predict = Callable[[Sequence[Row]], list[Row]]


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


class Worker:
    """Reads, segments and predicts chunks of paths (in a worker process or in-process)."""

    def __init__(self, predict: Predict, timeout: float | None, max_bytes: int) -> None:
        self.predict, self.timeout, self.max_bytes = predict, timeout, max_bytes
        self.nlp = make_nlp(sentence_roles=False)  # the rows carry no sentence roles

    def score(self, paths: list[Path]) -> list[Row]:
        entries = [read_with_timeout(p, self.timeout, self.max_bytes) for p in paths]
        return self.predict([row for _, rows in segment_batch(self.nlp, entries) for row in rows])


class WorkerPool:
    """Worker processes scoring chunks of paths (`submit`, then `first_rows` in order).

    A worker can die without raising anything (kill -9, the OOM killer, a crash in the PDF
    library), and that breaks the whole pool. `first_rows` then starts a fresh pool of one
    worker and re-runs there, one at a time, the chunks the broken pool had not finished; a
    chunk that breaks it again is re-run file by file, and a file that kills its worker even
    alone gets an error row. A fresh pool of `workers` then goes on. Left on an exception
    (Ctrl-C, SIGTERM, the rows no longer wanted), the pool kills its workers at once.
    """

    def __init__(self, predict: Predict, workers: int,
                 settings: tuple[float | None, int]) -> None:
        self.predict, self.workers, self.settings = predict, workers, settings
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
        return self.predict([error_row(LetterError(str(paths[0]), "worker_died", death))])

    def _start(self, workers: int) -> ProcessPoolExecutor:
        executor = ProcessPoolExecutor(workers, initializer=_init_worker,
                                       initargs=(self.predict, *self.settings))
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


_WORKER: Worker | None = None
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _init_worker(predict: Predict, timeout: float | None, max_bytes: int) -> None:
    """Set up a worker process; a forked one shares the parent's model (in `predict`)
    without pickling or loading it again (a spawned one receives it pickled).

    Ctrl-C and SIGTERM are for the parent, which then kills its workers (`WorkerPool`); a worker
    ends when its parent dies, even by SIGKILL (`_exit_with_parent`).
    """
    global _WORKER
    _exit_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the handler inherited from `imr-ml`
    _WORKER = Worker(predict, timeout, max_bytes)


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
