"""Write result rows atomically: a temporary file beside the target, renamed at the end."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_text(path: str | Path) -> Iterator[IO[str]]:
    """Open a temporary text file next to `path`; it replaces `path` only on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
