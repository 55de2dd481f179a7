"""Write result rows atomically: a temporary file beside the target, renamed at the end.

Also the table formats of scoring (`.csv`, `.jsonl`, `.parquet`, chosen by extension): rows
go to a JSON-lines journal `FILE.partial` as they come, flushed per write, so that a killed
run can resume from it; on success the journal becomes FILE (converted chunk by chunk).
"""

from __future__ import annotations

import json
import os
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

    The file gets the permissions a new file would (mkstemp's are owner-only)."""
    target = writable(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise TableError(f"{path}: cannot write there ({err.strerror})") from None
    os.fchmod(fd, 0o666 & ~_UMASK)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    with atomic_text(path) as handle:
        return dump(handle)


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


def resume_journal(path: str | Path, key: str,
                   kept: Callable[[dict[str, Any]], Any] | None = None) -> set[Any]:
    """Trim FILE.partial to its complete groups of rows and return their `key` values;
    `kept` is called with each row that stays.

    A killed run may have cut the last line, or the rows of the last group (e.g. letter);
    both are dropped, so that they are written again once and only once. A journal that
    is not one (rows without `key`) raises TableError and is left as it is.
    """
    journal = partial_path(path)
    if not journal.is_file():
        return set()
    keys: list[Any] = []
    ends: list[int] = []  # byte offset after each complete line
    offset = 0
    with journal.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.endswith(b"\n"):
                break
            offset += len(line)
            keys.append(_journal_row(line, journal, number, key)[key])
            ends.append(offset)
    last = len(keys)
    while last and keys[last - 1] == keys[-1]:
        last -= 1
    with journal.open("r+b") as handle:
        handle.truncate(ends[last - 1] if last else 0)
    if kept is not None:
        with journal.open("rb") as handle:
            for line in handle:
                kept(json.loads(line))
    return set(keys[:last])


def _journal_row(line: bytes, journal: Path, number: int, key: str) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        row = None
    if not isinstance(row, dict) or key not in row:
        raise TableError(f"{journal}:{number}: not a row of an imr-ml run; delete the file "
                         "or run without --resume")
    return row


class TableWriter:
    """Rows to FILE (.csv/.jsonl/.parquet) through the journal FILE.partial.

    `write` appends JSON lines and flushes; `close` converts the journal to FILE atomically
    and removes it. Left unclosed (error, kill), the journal stays for `resume_journal`.
    """

    def __init__(self, path: str | Path, schema: pa.Schema, *, resume: bool = False) -> None:
        self.path, self.schema = writable(path), schema
        self.format = table_format(path)
        self.journal = partial_path(path)
        try:
            self._handle = self.journal.open("a" if resume else "w", encoding="utf-8")
        except OSError as err:
            raise TableError(f"{self.journal}: cannot write ({err.strerror})") from None

    def write(self, rows: Iterable[dict[str, Any]]) -> None:
        self._handle.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        self._handle.flush()

    def close(self) -> None:
        """Finish: FILE gets every journalled row in its format; the journal goes."""
        os.fsync(self._handle.fileno())
        self._handle.close()
        if self.format == ".jsonl":
            self.journal.replace(self.path)
            return
        with atomic_path(self.path) as tmp:
            write = _write_parquet if self.format == ".parquet" else _write_csv
            write(_journal_chunks(self.journal), tmp, self.schema)
        self.journal.unlink()

    def abandon(self) -> None:
        """Stop writing and keep the journal (for --resume)."""
        self._handle.close()


def _journal_chunks(journal: Path) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    with journal.open(encoding="utf-8") as handle:
        for line in handle:
            chunk.append(json.loads(line))
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
    integers = _columns(schema, pa.types.is_integer)  # stay whole numbers beside empty cells
    with path.open("w", encoding="utf-8", newline="") as handle:
        for n, rows in enumerate(chunks):
            frame = pd.DataFrame(rows, columns=schema.names)
            for column in lists:
                frame[column] = frame[column].map(lambda v: LIST_SEPARATOR.join(v or []))
            frame[integers] = frame[integers].astype("Int64")
            frame.to_csv(handle, header=n == 0, index=False)


def read_table(path: str | Path, list_columns: Iterable[str] = ()) -> pd.DataFrame:
    """A .csv/.jsonl/.parquet table; in CSV, `list_columns` are split on ";" into lists."""
    import pandas as pd

    suffix = table_format(path)
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix == ".jsonl":
            return pd.read_json(path, lines=True, dtype=False)
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        raise TableError(f"{path}: not found") from None
    except (OSError, ValueError) as err:  # pandas' and pyarrow's parse errors are ValueErrors
        raise TableError(f"{path}: cannot read it as a {suffix} table ({err})") from None
    for column in list_columns:
        frame[column] = frame[column].map(
            lambda v: v.split(LIST_SEPARATOR) if isinstance(v, str) and v else [])
    return frame
