"""`imr-ml score --engine spark`: the local engine's rows, computed on Spark.

The driver lists the inputs as the local engine does (`iter_paths`: folders, globs, each
file once) and checks what can be told without reading a file (`check_file`: missing, not
a regular file, not .txt/.pdf, over `max_bytes`, empty), so that those inputs get their
error rows there. Spark's `binaryFile` source lists the input folders again (recursively:
one listing per folder, not one per file) and reads the files' bytes; the few it leaves
out (names starting with "_" or ".") are read on the driver. `mapInArrow` turns each batch
of files into rows with the local engine's `Worker` (`letter_from_bytes`, segmentation,
prediction). The `Scorer` is broadcast, so it travels once to each executor, and is
unpickled once per Python worker (`_WORKERS`, under a key of the job's own; Python workers
are reused across tasks). Rows come back to the driver in input order (`score_rows`, for
the outputs that fit its memory: .jsonl, .csv) or go to a Parquet folder written by the
executors (`write_parquet`).

pyspark is the optional extra `imr-ml[spark]`: it is imported only here and only when used.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
import uuid
import warnings
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import unquote, urlsplit

import pyarrow as pa

from imr_ml.errors import ImrMlError, LetterError, TableError
from imr_ml.letters import (
    LETTER_SUFFIXES,
    check_file,
    iter_paths,
    letter_from_bytes,
    source_name,
)
from imr_ml.scoring.output import table_format, writable
from imr_ml.scoring.scorer import Scorer, Summary, is_letter_start
from imr_ml.scoring.workers import Worker
from imr_ml.segment.rows import Row, error_row

if TYPE_CHECKING:
    from pyspark import Broadcast
    from pyspark.sql import DataFrame, SparkSession

DEFAULT_MASTER = "local[*]"
# Files per Arrow batch into (and rows out of) the Python workers: a batch is scored as one
# chunk, as the local engine's 256 letters are; a batch of 2 MB files stays well below 1 GB.
BATCH_FILES = 256
# Bytes a file counts as when Spark packs files into tasks of at most 128 MB
# (`spark.sql.files.maxPartitionBytes`): with Spark's default, 4 MB, a task reads 32 letters;
# with 512 KB, about 250 (a batch), so that the tasks outnumber the cores (the last ones
# running alone cost less) and each is worth its overhead.
FILE_OPEN_COST = 512 * 1024
# The letter files Spark lists in folders: LETTER_SUFFIXES in any case ("*.{[tT][xX][tT],…}")
LETTER_GLOB = "*.{" + ",".join("".join(f"[{c.lower()}{c.upper()}]" for c in suffix[1:])
                               for suffix in LETTER_SUFFIXES) + "}"
_SUMMARY_COLUMNS = ["status", "item_index", "decision_pred", "reasons_pred", "decision_agrees"]
_GLOB_CHARS = str.maketrans({c: f"\\{c}" for c in "\\*?[]{}"})
_WORKERS: dict[str, tuple[Worker, pa.Schema]] = {}  # in a Python worker: `Model.key` → its worker


def spark_session(master: str | None = None, quiet: bool = False) -> tuple[SparkSession, bool]:
    """The active Spark session, else a new one on `master` (default: spark-submit's, else
    local[*]) and whether it was made here (to stop it at the end).

    ImrMlError where pyspark is not installed or Spark cannot start (no Java 17+).
    """
    try:
        from pyspark import SparkConf
        from pyspark.errors import PySparkRuntimeError
        from pyspark.sql import SparkSession
    except ImportError:
        raise ImrMlError("--engine spark needs pyspark: pip install 'imr-ml[spark]'") from None
    # imr-ml hands Spark Arrow batches, never pandas frames: pandas 3's warning is moot
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    try:
        conf = SparkConf()  # starts the JVM; holds spark-submit's settings, if any
        if master or not conf.contains("spark.master"):
            conf.setMaster(master or DEFAULT_MASTER)
        if conf.get("spark.master").startswith("local"):
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # executors: this Python
            conf.setIfMissing("spark.ui.enabled", "false")  # a web UI costs seconds to start
        conf.setIfMissing("spark.ui.showConsoleProgress", str(not quiet).lower())
        conf.setIfMissing("spark.sql.execution.arrow.maxRecordsPerBatch", str(BATCH_FILES))
        conf.setIfMissing("spark.sql.files.openCostInBytes", str(FILE_OPEN_COST))
        spark = SparkSession.builder.appName("imr-ml score").config(conf=conf).getOrCreate()
    except PySparkRuntimeError as err:
        raise ImrMlError(f"Spark could not start ({err.getErrorClass()}); it needs Java 17 or "
                         "newer: check `java -version` and JAVA_HOME") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark, True


def check_output(out: str | Path) -> None:
    """Refuse an output Spark could not write, before any work: as the local engine does,
    except that a .parquet output is a folder, and may replace the folder of an earlier run
    (one with Spark's `_SUCCESS` marker), never another folder."""
    target = Path(out)
    if table_format(out) != ".parquet" or not target.is_dir():
        writable(out)
    elif not (target / "_SUCCESS").is_file():
        raise TableError(f"{out}: is a folder that no Spark run wrote (no _SUCCESS file in "
                         "it); give another name")
    elif not os.access(target.parent, os.W_OK | os.X_OK):
        raise TableError(f"{out}: its folder {target.parent} is not writable")


def score_rows(spark: SparkSession, scorer: Scorer, inputs: Sequence[str | Path], *,
               timeout: float | None, max_bytes: int) -> list[Row]:
    """Prediction rows of the letters `inputs` name, in input order (as the local engine's),
    collected on the driver: for outputs that fit in its memory."""
    paths = list(iter_paths(inputs))
    rows, frame = _score(spark, scorer, inputs, paths, timeout, max_bytes)
    if frame is not None:
        rows += frame.toArrow().to_pylist()
    order = {source_name(p): n for n, p in enumerate(paths)}
    return sorted(rows, key=lambda r: (order[r["source"]], r["item_index"] or 0))


def write_parquet(spark: SparkSession, scorer: Scorer, inputs: Sequence[str | Path],
                  out: str | Path, *, timeout: float | None, max_bytes: int) -> Summary:
    """Score the letters `inputs` name into the Parquet folder `out` (a part file per task;
    rows of a letter together, in item order; letters in no set order); the summary of its
    rows. The folder is written beside `out` and renamed to it once complete."""
    rows, frame = _score(spark, scorer, inputs, list(iter_paths(inputs)), timeout, max_bytes)
    if rows:
        checked = spark.createDataFrame(pa.Table.from_pylist(rows, schema=scorer.schema()))
        frame = checked if frame is None else frame.unionByName(checked)
    assert frame is not None, "every input gives a row"
    target = Path(out).absolute()
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        frame.write.mode("overwrite").parquet(tmp.as_uri())
        _replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    import pyarrow.parquet as pq

    summary = Summary()
    for row in pq.read_table(target, columns=_SUMMARY_COLUMNS).to_pylist():
        summary.add(row, is_letter_start(row))
    return summary


def _replace(folder: Path, target: Path) -> None:
    """Put `folder` in the place of `target` (nothing, a file or an earlier run's folder,
    which is moved aside first and then removed)."""
    if not os.path.lexists(target):
        os.replace(folder, target)
        return
    old = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    os.replace(target, old)
    os.replace(folder, target)
    if old.is_dir() and not old.is_symlink():
        shutil.rmtree(old)
    else:
        old.unlink()


def _score(spark: SparkSession, scorer: Scorer, inputs: Sequence[str | Path],
           paths: Sequence[Path], timeout: float | None,
           max_bytes: int) -> tuple[list[Row], DataFrame | None]:
    """The rows of the inputs refused unread (`check_file`; empty files too), and the
    DataFrame of the rows of the others, scored on Spark (None where there are none)."""
    refused: list[Row] = []
    files: dict[str, str] = {}  # absolute path (Spark's, unescaped) → the path as listed
    for path in paths:
        try:
            if not check_file(path, max_bytes=max_bytes):  # Spark's scans skip empty files
                letter_from_bytes(b"", path, max_bytes=max_bytes)
        except LetterError as err:
            refused.append(error_row(err))
        else:
            files[os.path.abspath(path)] = os.fspath(path)
    refused = scorer.predict_rows(refused)  # the prediction rows' columns, no prediction
    if not files:
        return refused, None
    from pyspark.sql.pandas.types import from_arrow_schema
    from pyspark.sql.types import BinaryType, StringType, StructField, StructType

    context = spark.sparkContext
    model = Model(uuid.uuid4().hex, context.broadcast(scorer), timeout, max_bytes)
    read = (spark.read.format("binaryFile").option("recursiveFileLookup", "true")
            .option("pathGlobFilter", LETTER_GLOB).load(_roots(inputs, files))
            .select("path", "content"))
    seen = {unquote(urlsplit(uri).path) for uri in read.inputFiles()}
    # files Spark's listing leaves out (named "_…" or ".…", or in such a folder): read here
    unseen = [(f"file:{name}", Path(name).read_bytes()) for name in files if name not in seen]
    if unseen:
        read = read.union(spark.createDataFrame(unseen, StructType(
            [StructField("path", StringType()), StructField("content", BinaryType())])))
    score = functools.partial(_score_batches, model, context.broadcast(files))
    return refused, read.mapInArrow(score, from_arrow_schema(scorer.schema()))


def _roots(inputs: Sequence[str | Path], files: Iterable[str]) -> list[str]:
    """What Spark is to list (glob characters escaped): the folders among `inputs` (but
    those inside another), and the `files` outside them (from a glob, or named)."""
    folders = sorted({os.path.abspath(i) for i in inputs if os.path.isdir(i)})
    folders = [f for f in folders if not any(f.startswith(g + os.sep) for g in folders)]
    inside = tuple(f + os.sep for f in folders)
    alone = [name for name in files if not name.startswith(inside)]
    return [name.translate(_GLOB_CHARS) for name in folders + alone]


class Model(NamedTuple):
    """What a Python worker needs to score: the broadcast Scorer, under a key of its own
    (one per job), and the reading settings."""

    key: str
    scorer: Broadcast[Scorer]
    timeout: float | None
    max_bytes: int


def _score_batches(model: Model, files: Broadcast[dict[str, str]],
                   batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """On an executor: the prediction rows of batches of files (`path`, `content`)."""
    worker, schema = _worker(model)
    listed = files.value
    for batch in batches:
        # a file Spark lists under two paths (through a symbolic link) counts once
        found = [(listed.get(p.removeprefix("file:")), c) for p, c in
                 zip(batch["path"].to_pylist(), batch["content"].to_pylist())]
        chosen = [(Path(path), content) for path, content in found if path is not None]
        if chosen:
            rows = worker.score(*zip(*chosen))
            yield pa.RecordBatch.from_pylist(rows, schema=schema)


def _worker(model: Model) -> tuple[Worker, pa.Schema]:
    """This Python worker's `Worker` for `model`, made (the Scorer unpickled) on its first
    task of the job."""
    if model.key not in _WORKERS:
        scorer = model.scorer.value
        worker = Worker(scorer.predict_rows, model.timeout, model.max_bytes)
        _WORKERS[model.key] = worker, scorer.schema()
    return _WORKERS[model.key]
