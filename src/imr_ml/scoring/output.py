"""Write result rows atomically: a temporary file beside the target, renamed at the end.

Also the table formats of scoring (`.csv`, `.jsonl`, `.parquet`, chosen by extension): rows
go to a JSON-lines journal `FILE.partial` as they come, flushed per write, so that a killed
run can resume from it; on success the journal becomes FILE (converted chunk by chunk).
The journal's first line says what its rows were made with (model, inputs), and it is
locked while a run writes it. In CSV, a list is one cell, its values joined by ";" (a ";" or
"\\" inside a value escaped by a backslash), and a cell that a spreadsheet would read as a
formula is neutralised (OWASP's advice on CSV injection).
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from imr_ml.errors import TableError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

FORMATS = (".csv", ".jsonl", ".parquet")
LIST_SEPARATOR = ";"
_ESCAPED = re.compile(r"[;\\]")  # what a backslash escapes inside a CSV list value
_LIST_VALUE = re.compile(r"(?:[^;\\]|\\.?)*")  # one value of a joined list, escapes and all
_UNESCAPE = re.compile(r"\\(.)")
JOURNAL_KEY = "imr_ml_journal"  # the header line's key; its value: what the rows depend on
# What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
_FORMULA_START = re.compile(r"[=+\-@\t\r]")
_CHUNK_ROWS = 10_000
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def writable(path: str | Path) -> Path:
    """`path`, once its folder exists and could take it; TableError saying why not."""
    target = Path(path)
    if target.is_dir():
        raise TableError(f"{path}: is a folder; give a file name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise TableError(f"{path}: cannot create its folder ({err.strerror})") from None
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise TableError(f"{path}: its folder {target.parent} is not writable")
    return target


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary file path next to `path`; the file replaces `path` only on success.

    The file gets the permissions a new file would (mkstemp's are owner-only), and is locked
    while it is written: temporaries of `path` left by killed runs (unlocked) are removed.
    """
    target = writable(path)
    _remove_stale_temporaries(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise TableError(f"{path}: cannot write there ({err.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.fchmod(fd, 0o666 & ~_UMASK)
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)


def _remove_stale_temporaries(target: Path) -> None:
    """Remove the temporaries of `target` (`.NAME.*.tmp`) that no live run holds locked."""
    for tmp in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        try:
            fd = os.open(tmp, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            tmp.unlink()
        except OSError:  # locked: a live run's
            pass
        finally:
            os.close(fd)


@contextmanager
def atomic_text(path: str | Path) -> Iterator[IO[str]]:
    """Open a temporary text file next to `path`; it replaces `path` only on success."""
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


def write_jsonl(rows: Iterable[dict[str, Any]], path: str | Path | None) -> int:
    """Stream rows as JSON lines to `path` (atomically) or to stdout; returns the count.
    A `path` not named .jsonl is refused (TableError) before any row is made."""
    def dump(handle: IO[str]) -> int:
        count = 0
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
        return count

    if path is None or str(path) == "-":
        return dump(sys.stdout)
    if Path(path).suffix.lower() != ".jsonl":
        raise TableError(f"{path}: this writes JSON lines; name the file .jsonl")
    try:
        with atomic_text(path) as handle:
            return dump(handle)
    except OSError as err:  # e.g. the disk is full; the temporary file is gone
        raise TableError(f"{path}: cannot write ({err.strerror}); nothing was written") from None


def table_format(path: str | Path) -> str:
    """The format (extension) of a table file, or TableError naming the ones supported."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise TableError(f"{path}: unsupported table format {suffix or '(none)'!r}; "
                         f"use one of {', '.join(FORMATS)}")
    return suffix


def partial_path(path: str | Path) -> Path:
    """The journal of an unfinished table: `FILE.partial`."""
    path = Path(path)
    return path.with_name(path.name + ".partial")


def _journal_row(line: bytes, journal: Path, number: int,
                 fields: Iterable[str]) -> dict[str, Any]:
    """The row on a journal's line, which must have `fields`; TableError if it is not one."""
    try:
        row = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        row = None
    if not isinstance(row, dict) or not all(field in row for field in fields):
        raise TableError(f"{journal}:{number}: not a row of an imr-ml run; delete the file "
                         "or run without --resume")
    return row


class TableWriter:
    """Rows to FILE (.csv/.jsonl/.parquet) through the journal FILE.partial.

    The journal is locked from the start (another run writing FILE is refused); `start` or
    `resume` begins it, with `header` (what the rows depend on: model, inputs) as its first
    line. `write` appends JSON lines and flushes; `close` converts the journal to FILE
    atomically and removes it. Left unclosed (error, kill), the journal stays for `resume`.
    A file that cannot be written raises TableError naming it.
    """

    def __init__(self, path: str | Path, schema: pa.Schema, header: dict[str, Any]) -> None:
        self.path, self.schema, self.header = writable(path), schema, header
        self.format = table_format(path)
        self.journal = partial_path(path)
        try:
            self._handle = self.journal.open("a", encoding="utf-8")
        except OSError as err:
            raise TableError(f"{self.journal}: cannot write ({err.strerror})") from None
        try:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._handle.close()
            raise TableError(f"{path}: another imr-ml run is writing it (its journal "
                             f"{self.journal} is locked); wait for it to end or choose "
                             "another output file") from None

    def start(self) -> None:
        """Begin a new journal; an old one is overwritten."""
        self._handle.truncate(0)
        self.write([{JOURNAL_KEY: self.header}])

    def resume(self, key: str, kept: Callable[[dict[str, Any]], Any]) -> set[Any]:
        """Go on from the journal: trim it to its complete groups of rows and return their
        `key` values; `kept` is called with each row that stays.

        A killed run may have cut the last line, or the rows of the last group (e.g. letter);
        both are dropped, so that they are written again once and only once. A journal that
        is not one, or whose header differs from this run's, raises TableError and is left as
        it is (so is one whose rows lack a column); without a journal, `start`.
        """
        with self.journal.open("rb") as handle:
            first = handle.readline()
            if not first:
                self.start()
                return set()
            self._check_header(_journal_row(first, self.journal, 1, [JOURNAL_KEY])[JOURNAL_KEY])
            keys: list[Any] = []
            ends = [len(first)]  # byte offset after the header and each complete row
            for number, line in enumerate(handle, start=2):
                if not line.endswith(b"\n"):
                    break
                keys.append(_journal_row(line, self.journal, number, self.schema.names)[key])
                ends.append(ends[-1] + len(line))
        last = len(keys)
        while last and keys[last - 1] == keys[-1]:
            last -= 1
        self._handle.truncate(ends[last])
        for row in self._rows():
            kept(row)
        return set(keys[:last])

    def _check_header(self, header: Any) -> None:
        if not isinstance(header, dict):
            header = {}
        changed = [name for name, value in self.header.items() if header.get(name) != value]
        if changed:
            raise TableError(f"{self.journal}: was written with another "
                             f"{' and other '.join(changed)} than this run's; resume with the "
                             "same model and inputs, or run without --resume to start over")

    def write(self, rows: Iterable[dict[str, Any]]) -> None:
        try:
            self._handle.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
            self._handle.flush()
        except OSError as err:
            raise TableError(f"{self.journal}: cannot write ({err.strerror})") from None

    def close(self) -> None:
        """Finish: FILE gets every journalled row in its format; the journal goes."""
        try:
            os.fsync(self._handle.fileno())
            with atomic_path(self.path) as tmp:
                write = {".parquet": _write_parquet, ".csv": _write_csv}.get(self.format)
                if write is None:
                    _write_jsonl_rows(self.journal, tmp)
                else:
                    write(_chunks(self._rows()), tmp, self.schema)
            self.journal.unlink()
        except OSError as err:
            raise TableError(f"{self.path}: cannot write ({err.strerror})") from None
        self._handle.close()

    def abandon(self) -> None:
        """Stop writing and keep the journal (for --resume)."""
        try:
            self._handle.close()
        except OSError:  # rows it could not flush are scored again on --resume
            pass

    def _rows(self) -> Iterator[dict[str, Any]]:
        """The journal's rows (its header left out)."""
        with self.journal.open(encoding="utf-8") as handle:
            handle.readline()
            yield from map(json.loads, handle)


def _write_jsonl_rows(journal: Path, path: Path) -> None:
    """The journal's lines but its header, copied to `path` as they are."""
    with journal.open("rb") as source, path.open("wb") as target:
        source.readline()
        shutil.copyfileobj(source, target, 1 << 20)
        target.flush()
        os.fsync(target.fileno())


def _chunks(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= _CHUNK_ROWS:
            yield chunk
            chunk = []
    yield chunk


def _columns(schema: pa.Schema, is_type: Callable[[pa.DataType], bool]) -> list[str]:
    return [f.name for f in schema if is_type(f.type)]


def _write_parquet(chunks: Iterable[list[dict[str, Any]]], path: Path, schema: pa.Schema) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with pq.ParquetWriter(path, schema) as writer:
        for rows in chunks:
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))


def _write_csv(chunks: Iterable[list[dict[str, Any]]], path: Path, schema: pa.Schema) -> None:
    import pandas as pd
    import pyarrow as pa

    lists = _columns(schema, pa.types.is_list)
    texts = _columns(schema, lambda t: pa.types.is_string(t) or pa.types.is_list(t))
    integers = _columns(schema, pa.types.is_integer)  # stay whole numbers beside empty cells
    with path.open("w", encoding="utf-8", newline="") as handle:
        for n, rows in enumerate(chunks):
            frame = pd.DataFrame(rows, columns=schema.names)
            for column in lists:
                frame[column] = frame[column].map(joined)
            for column in texts:
                frame[column] = neutralised(frame[column])
            frame[integers] = frame[integers].astype("Int64")
            # CRLF line ends (RFC 4180): a cell holding a carriage return is then quoted
            frame.to_csv(handle, header=n == 0, index=False, lineterminator="\r\n")


def joined(values: Iterable[str] | None) -> str:
    """A list as one CSV cell: its values joined by ";", each ";" or "\\" inside a value
    escaped by a backslash ("a;b" -> "a\\;b"), so that `split_list` gives the values back."""
    return LIST_SEPARATOR.join(_ESCAPED.sub(r"\\\g<0>", value) for value in values or [])


def split_list(cell: str) -> list[str]:
    """The values of a cell `joined` made (a backslash escapes the character after it)."""
    if not cell:
        return []
    # a value begins the cell or follows a separator (not so the empty match after a value)
    return [_UNESCAPE.sub(r"\1", m.group()) for m in _LIST_VALUE.finditer(cell)
            if m.start() == 0 or cell[m.start() - 1] == LIST_SEPARATOR]


def neutralised(cells: pd.Series) -> pd.Series:
    """The cells, those that a spreadsheet would run as a formula prefixed with "'": those
    starting with = + - @, a tab or a carriage return (OWASP, "CSV Injection")."""
    import pandas as pd

    if not pd.api.types.is_string_dtype(cells):  # no strings (e.g. a column of nulls)
        return cells
    risky = cells.str.match(_FORMULA_START, na=False)
    return cells.mask(risky, "'" + cells[risky]) if risky.any() else cells


def read_table(path: str | Path, list_columns: Iterable[str] = ()) -> pd.DataFrame:
    """A .csv/.jsonl/.parquet table (.parquet: a file, or a folder of part files); in CSV,
    those of `list_columns` it has are split into lists (`split_list`)."""
    import pandas as pd

    suffix = table_format(path)
    try:
        if suffix == ".parquet" and os.path.isdir(path):  # part files (`score --engine spark`)
            return pd.read_parquet(path)
        if not stat.S_ISREG(os.stat(path).st_mode):  # a pipe would block the read forever
            raise TableError(f"{path}: not a regular file (a folder, pipe or device); "
                             "save the table to a file first")
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix == ".jsonl":
            return pd.read_json(path, lines=True, dtype=False)
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        raise TableError(f"{path}: not found") from None
    except (OSError, ValueError) as err:  # pandas' and pyarrow's parse errors are ValueErrors
        raise TableError(f"{path}: cannot read it as a {suffix} table ({err})") from None
    for column in (c for c in list_columns if c in frame):
        frame[column] = frame[column].map(lambda v: split_list(v) if isinstance(v, str) else [])
    return frame
