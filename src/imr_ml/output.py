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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

FORMATS = (".csv", ".jsonl", ".parquet")
LIST_SEPARATOR = ";"
_CHUNK_ROWS = 10_000


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary file path next to `path`; the file replaces `path` only on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
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
    """Stream rows as JSON lines to `path` (atomically) or to stdout; returns the count."""
    def dump(handle: IO[str]) -> int:
        count = 0
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
        return count

    if path is None or str(path) == "-":
        return dump(sys.stdout)
    with atomic_text(path) as handle:
        return dump(handle)


def table_format(path: str | Path) -> str:
    """The format (extension) of a table file, or ValueError naming the ones supported."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: unsupported table format {suffix or '(none)'!r}; "
                         f"use one of {', '.join(FORMATS)}")
    return suffix


def partial_path(path: str | Path) -> Path:
    """The journal of an unfinished table: `FILE.partial`."""
    path = Path(path)
    return path.with_name(path.name + ".partial")


def resume_journal(path: str | Path, key: str) -> set[Any]:
    """Trim FILE.partial to its complete groups of rows and return their `key` values.

    A killed run may have cut the last line, or the rows of the last group (e.g. letter);
    both are dropped, so that they are written again once and only once.
    """
    journal = partial_path(path)
    if not journal.is_file():
        return set()
    keys: list[Any] = []
    ends: list[int] = []  # byte offset after each complete line
    offset = 0
    with journal.open("rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                break
            offset += len(line)
            keys.append(json.loads(line)[key])
            ends.append(offset)
    last = len(keys)
    while last and keys[last - 1] == keys[-1]:
        last -= 1
    with journal.open("r+b") as handle:
        handle.truncate(ends[last - 1] if last else 0)
    return set(keys[:last])


class TableWriter:
    """Rows to FILE (.csv/.jsonl/.parquet) through the journal FILE.partial.

    `write` appends JSON lines and flushes; `close` converts the journal to FILE atomically
    and removes it. Left unclosed (error, kill), the journal stays for `resume_journal`.
    """

    def __init__(self, path: str | Path, schema: pa.Schema, *, resume: bool = False) -> None:
        self.path, self.schema = Path(path), schema
        self.format = table_format(path)
        self.journal = partial_path(path)
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self.journal.open("a" if resume else "w", encoding="utf-8")

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


def _list_columns(schema: pa.Schema) -> list[str]:
    import pyarrow as pa

    return [f.name for f in schema if pa.types.is_list(f.type)]


def _write_parquet(chunks: Iterable[list[dict[str, Any]]], path: Path, schema: pa.Schema) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with pq.ParquetWriter(path, schema) as writer:
        for rows in chunks:
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))


def _write_csv(chunks: Iterable[list[dict[str, Any]]], path: Path, schema: pa.Schema) -> None:
    import pandas as pd

    lists = _list_columns(schema)
    with path.open("w", encoding="utf-8", newline="") as handle:
        for n, rows in enumerate(chunks):
            frame = pd.DataFrame(rows, columns=schema.names)
            for column in lists:
                frame[column] = frame[column].map(lambda v: LIST_SEPARATOR.join(v or []))
            frame.to_csv(handle, header=n == 0, index=False)


def read_table(path: str | Path, list_columns: Iterable[str] = ()) -> pd.DataFrame:
    """A .csv/.jsonl/.parquet table; in CSV, `list_columns` are split on ";" into lists."""
    import pandas as pd

    suffix = table_format(path)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix == ".jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    for column in list_columns:
        frame[column] = frame[column].map(
            lambda v: v.split(LIST_SEPARATOR) if isinstance(v, str) and v else [])
    return frame
