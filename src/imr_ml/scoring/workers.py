"""Worker processes that read, segment and predict chunks of letter files, in input order.

Forked workers share the parent's loaded model. A worker can die without raising anything
(kill -9, the OOM killer, a crash in the PDF library), or be stopped when it is stuck in
one call into the PDF library past the time limit; `WorkerPool` (a `pebble` process pool,
where a worker's death fails only the task it was running) then scores that chunk again file
by file, and a file that ends its worker on its own gets an error row. Workers end with the
parent process, however it ends.
"""

from __future__ import annotations

import ctypes
import itertools
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from pathlib import Path
from types import FrameType
from typing import Self

from pebble import ProcessExpired, ProcessPool

from imr_ml.errors import LetterError
from imr_ml.letters import Letter, letter_from_bytes, read_letter, source_name
from imr_ml.segment import make_nlp
from imr_ml.segment.rows import Row, error_row, segment_batch

DEFAULT_CHUNK = 256
# Prediction rows for item rows (`Scorer.predict_rows`): what a worker does after segmenting.
Predict = Callable[[Sequence[Row]], list[Row]]
# A file still being read this long after its time limit is stuck where SIGALRM's handler
# cannot run (inside one call into the PDF library): its worker exits with STUCK_EXIT.
GRACE = 1.0
STUCK_EXIT = 124


class _Timeout(Exception):
    pass


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise _Timeout


def read_with_timeout(path: Path, timeout: float | None, max_bytes: int,
                      data: bytes | None = None) -> Letter | LetterError:
    """`read_letter`, or `letter_from_bytes` where `data` (the file's contents, read
    already) is given, or its LetterError; "timeout" when it takes over `timeout` seconds.

    The limit uses SIGALRM, so it applies in a process's main thread only (as in workers).
    """
    timed = bool(timeout) and threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGALRM, _alarm) if timed else None
    try:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, timeout)
        if data is None:
            return read_letter(path, max_bytes=max_bytes)
        return letter_from_bytes(data, path, max_bytes=max_bytes)
    except LetterError as err:
        return err
    except _Timeout:
        return _timed_out(path, timeout)
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _timed_out(path: Path, timeout: float | None, how: str = "") -> LetterError:
    message = f"extraction timed out after {timeout:g} s{how}"
    return LetterError(source_name(path), "timeout", message)


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
    """Reads, segments and predicts chunks of paths (in a worker process)."""

    def __init__(self, predict: Predict, timeout: float | None, max_bytes: int) -> None:
        self.predict, self.timeout, self.max_bytes = predict, timeout, max_bytes
        self.nlp = make_nlp(sentence_roles=False)  # the rows carry no sentence roles
        self.watchdog = _Watchdog() if timeout else None

    def score(self, paths: Sequence[Path], contents: Sequence[bytes] | None = None) -> list[Row]:
        """Prediction rows of the files at `paths` (their `contents` where given: read already,
        e.g. by Spark), in order."""
        data = contents if contents is not None else itertools.repeat(None)
        entries = [self._read(p, d) for p, d in zip(paths, data)]
        return self.predict([row for _, rows in segment_batch(self.nlp, entries) for row in rows])

    def _read(self, path: Path, data: bytes | None) -> Letter | LetterError:
        if self.watchdog is None:
            return read_with_timeout(path, self.timeout, self.max_bytes, data)
        self.watchdog.deadline = time.monotonic() + self.timeout + GRACE
        try:
            return read_with_timeout(path, self.timeout, self.max_bytes, data)
        finally:
            self.watchdog.deadline = None


class _Watchdog:
    """A thread that ends its process (exit status STUCK_EXIT) once `deadline` (a
    time.monotonic() value, None for none) has passed: it runs while the main thread is
    stuck in a C call that releases the GIL, as the PDF library's do."""

    def __init__(self) -> None:
        self.deadline: float | None = None
        threading.Thread(target=self._watch, name="read-watchdog", daemon=True).start()

    def _watch(self) -> None:
        while True:
            deadline, now = self.deadline, time.monotonic()
            if deadline is not None and now >= deadline:
                os._exit(STUCK_EXIT)
            time.sleep(min(deadline - now, GRACE) if deadline is not None else GRACE)


class WorkerPool:
    """Worker processes scoring chunks of paths (`submit`, then `first_rows` in order).

    A worker that dies (kill -9, the OOM killer, a crash in the PDF library) or is stuck past
    the time limit fails only the chunk it was scoring (`pebble` starts a fresh worker);
    `first_rows` then scores that chunk again file by file, and a file that ends its worker
    on its own gets an error row. Left on an exception (Ctrl-C, SIGTERM, the rows no longer
    wanted), the pool stops its workers at once.
    """

    def __init__(self, predict: Predict, workers: int,
                 settings: tuple[float | None, int]) -> None:
        self.predict, self.timeout = predict, settings[0]
        self.pool = ProcessPool(workers, initializer=_init_worker,
                                initargs=(predict, *settings),
                                context=multiprocessing.get_context("fork"))
        self.pool.schedule(int).result()  # fork the workers now

    def __enter__(self) -> Self:
        return self

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        if error is None:
            self.pool.close()
        else:
            self.pool.stop()
        self.pool.join()

    def submit(self, chunk: list[Path]) -> Future[list[Row]]:
        return self.pool.schedule(_score_in_worker, (chunk,))

    def first_rows(self, pending: deque[tuple[list[Path], Future[list[Row]]]]) -> list[Row]:
        """The rows of the first pending chunk, removed from `pending`."""
        return self._rows(*pending.popleft())

    def _rows(self, paths: list[Path], future: Future[list[Row]]) -> list[Row]:
        """The rows `future` gives; if its worker ended, those of each path scored alone,
        and an error row for a path whose worker ends even alone."""
        try:
            return future.result()
        except ProcessExpired as death:
            if len(paths) > 1:
                alone = [([path], self.submit([path])) for path in paths]
                return [row for one in alone for row in self._rows(*one)]
            return self.predict([error_row(self._death(paths[0], death.exitcode))])

    def _death(self, path: Path, exit_code: int | None) -> LetterError:
        """Why the worker scoring `path` alone ended, from its exit code."""
        if exit_code == STUCK_EXIT:
            return _timed_out(path, self.timeout, " (stuck in the PDF library; stopped)")
        how = ""
        if exit_code is not None and exit_code < 0:
            name = signal.strsignal(-exit_code)
            how = f" (signal {-exit_code}{f': {name}' if name else ''})"
        elif exit_code:
            how = f" (exit status {exit_code})"
        return LetterError(source_name(path), "worker_died",
                           f"the worker scoring this file died{how}")


_WORKER: Worker | None = None
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _init_worker(predict: Predict, timeout: float | None, max_bytes: int) -> None:
    """Set up a worker process; a forked one shares the parent's model (in `predict`)
    without pickling or loading it again. A worker ends when its parent dies, even by
    SIGKILL (`_exit_with_parent`); Ctrl-C is for the parent (pebble's workers ignore it).
    """
    global _WORKER
    _exit_with_parent()
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
