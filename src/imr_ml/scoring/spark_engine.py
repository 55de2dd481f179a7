"""`imr-ml score --engine spark`: the local engine's rows, computed on Spark.

The driver lists the inputs as the local engine does (`iter_paths`: folders, globs, each
file once) and checks what can be told without reading a file (`check_file`: missing, not
a regular file, not .txt/.pdf, over `max_bytes`), so that those inputs get their error rows
there. Spark's `binaryFile` source reads the others' bytes; `mapInArrow` turns each batch of
files into rows with the local engine's `Worker` (`letter_from_bytes`, segmentation,
prediction). The `Scorer` is broadcast, so it travels once to each executor, and is unpickled
once per Python worker (`_WORKERS`, keyed by a key of the job's own; Python workers are reused
across tasks). Rows come back to the driver in input order (`score_rows`, for the small
outputs: .jsonl, .csv) or go to a Parquet folder written by the executors (`write_parquet`).

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

import pyarrow as pa

from imr_ml.errors import ImrMlError, LetterError, TableError
from imr_ml.letters import check_file, iter_paths, source_name
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
# Bytes a file counts as when Spark packs files into tasks (Spark's default is 4 MB, which
# makes tasks of 32 letters): 64 KB gives tasks of up to ~2,000 letters, fewer than the cores
# only for small batches (`spark.sql.files.minPartitionNum` keeps one task per core).
FILE_OPEN_COST = 64 * 1024
# Spark lists more input paths than this with a Spark job, one task per path: slower than
# listing here for local files (which `check_file` has just looked at anyway).
LISTING_THRESHOLD = 1_000_000
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
        if conf.get("spark.master").startswith("local"):  # the executors run this Python
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        conf.setIfMissing("spark.ui.showConsoleProgress", str(not quiet).lower())
        conf.setIfMissing("spark.sql.execution.arrow.maxRecordsPerBatch", str(BATCH_FILES))
        conf.setIfMissing("spark.sql.files.openCostInBytes", str(FILE_OPEN_COST))
        conf.setIfMissing("spark.sql.sources.parallelPartitionDiscovery.threshold",
                          str(LISTING_THRESHOLD))
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


def score_rows(spark: SparkSession, scorer: Scorer, inputs: Iterable[str | Path], *,
               timeout: float | None, max_bytes: int) -> list[Row]:
    """Prediction rows of the letters `inputs` name, in input order (as the local engine's),
    collected on the driver: for outputs that fit in its memory."""
    paths = list(iter_paths(inputs))
    rows, frame = _score(spark, scorer, paths, timeout, max_bytes)
    if frame is not None:
        rows += frame.toArrow().to_pylist()
    order = {source_name(p): n for n, p in enumerate(paths)}
    return sorted(rows, key=lambda r: (order[r["source"]], r["item_index"] or 0))


def write_parquet(spark: SparkSession, scorer: Scorer, inputs: Iterable[str | Path],
                  out: str | Path, *, timeout: float | None, max_bytes: int) -> Summary:
    """Score the letters `inputs` name into the Parquet folder `out` (a part file per task;
    rows of a letter together, in item order; letters in no set order); the summary of its
    rows. The folder is written beside `out` and renamed to it once complete."""
    paths = list(iter_paths(inputs))
    rows, frame = _score(spark, scorer, paths, timeout, max_bytes)
    if rows:
        checked = spark.createDataFrame(pa.Table.from_pylist(rows, schema=scorer.schema()))
        frame = checked if frame is None else frame.unionByName(checked)
    target = Path(out).absolute()
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        assert frame is not None, "every input gives a row"
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
    """Put `folder` in the place of `target` (a file, an earlier run's folder, or nothing)."""
    if target.is_dir():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        os.replace(target, old)
        os.replace(folder, target)
        shutil.rmtree(old)
    else:
        os.replace(folder, target)


def _score(spark: SparkSession, scorer: Scorer, paths: Sequence[Path], timeout: float | None,
           max_bytes: int) -> tuple[list[Row], DataFrame | None]:
    """The rows of the inputs refused unread (`check_file`), and the DataFrame of the rows
    of the others, scored on Spark (None where there are none)."""
    refused: list[Row] = []
    files: dict[str, str] = {}  # Spark's path (absolute, unescaped) → the path as listed
    listed: list[str] = []  # the paths Spark reads (glob characters escaped)
    skipped: list[tuple[str, bytes]] = []  # (Spark's path, bytes) of the files Spark skips
    for path in paths:
        try:
            size = check_file(path, max_bytes=max_bytes)
        except LetterError as err:
            refused.append(error_row(err))
            continue
        absolute = os.path.abspath(path)
        files[absolute] = os.fspath(path)
        if size and not _hidden_from_spark(path.name):
            listed.append(absolute.translate(_GLOB_CHARS))
        else:  # read here: a few odd files (empty; named "_…" or ".…")
            skipped.append((f"file:{absolute}", path.read_bytes()))
    refused = scorer.predict_rows(refused)  # the prediction rows' columns, no prediction
    if not files:
        return refused, None
    from pyspark.sql.pandas.types import from_arrow_schema
    from pyspark.sql.types import BinaryType, StringType, StructField, StructType

    schema = StructType([StructField("path", StringType()), StructField("content", BinaryType())])
    letters = spark.createDataFrame(skipped, schema)
    if listed:
        read = spark.read.format("binaryFile").load(listed).select(*schema.names)
        letters = read.union(letters) if skipped else read
    context = spark.sparkContext
    model = Model(uuid.uuid4().hex, context.broadcast(scorer), timeout, max_bytes)
    score = functools.partial(_score_batches, model, context.broadcast(files))
    return refused, letters.mapInArrow(score, from_arrow_schema(scorer.schema()))


def _hidden_from_spark(name: str) -> bool:
    """Spark's file listing leaves such a file out (HadoopFSUtils.shouldFilterOutPathName);
    its file scan leaves out empty files."""
    return name.startswith(".") or name.startswith("_") and "=" not in name


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
        paths = [Path(listed[p.removeprefix("file:")]) for p in batch["path"].to_pylist()]
        rows = worker.score(paths, batch["content"].to_pylist())
        yield pa.RecordBatch.from_pylist(rows, schema=schema)


def _worker(model: Model) -> tuple[Worker, pa.Schema]:
    """This Python worker's `Worker` for `model`, made (the Scorer unpickled) on its first
    task of the job."""
    if model.key not in _WORKERS:
        scorer = model.scorer.value
        worker = Worker(scorer.predict_rows, model.timeout, model.max_bytes)
        _WORKERS[model.key] = worker, scorer.schema()
    return _WORKERS[model.key]
