"""Make the test helpers (badinputs) importable from every test module; shared fixtures."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

REPO = Path(__file__).resolve().parents[1]
REAL_LETTERS = REPO.parent / "shared" / "real" / "letters"


def _java() -> tuple[int, str]:
    """The major version of the Java that Spark would run (JAVA_HOME's, else PATH's; 0 for
    none), and what `java -version` said."""
    java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if "JAVA_HOME" in os.environ \
        else "java"
    try:
        said = subprocess.run([java, "-version"], capture_output=True, text=True,
                              check=False).stderr
    except OSError as err:
        return 0, f"{java}: {err.strerror}"
    found = re.search(r'version "(\d+)', said)
    return (int(found[1]) if found else 0), said.strip().splitlines()[0] if said.strip() else ""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked slow_env run last, so that the virtualenv they wait for is installed
    while the others run (tests/test_pyfunc.py). Tests marked `spark` skip, saying why,
    where Spark cannot run: no Java 17 or newer."""
    items.sort(key=lambda item: item.get_closest_marker("slow_env") is not None)
    marked = [item for item in items if item.get_closest_marker("spark")]
    if not marked:
        return
    major, said = _java()
    if major >= 17:
        return
    skip = pytest.mark.skip(reason=f"Spark needs Java 17 or newer; found {said or 'none'} "
                                   "(.ci/run installs openjdk-17-jre-headless as root)")
    for item in marked:
        item.add_marker(skip)


def _rationales(folder: Path) -> list[str]:
    from imr_ml.segment.rows import segment_letters

    return [row["rationale"] for _, rows in segment_letters([folder]) for row in rows
            if row["status"] == "ok"]


@pytest.fixture(scope="session")
def sample_rationales() -> list[str]:
    """The rationales of the committed sample letters (data/samples)."""
    return _rationales(REPO / "data" / "samples" / "letters")


@pytest.fixture(scope="session")
def real_rationales() -> list[str]:
    """The rationales of the real letters of ../shared/real, or none where absent."""
    return _rationales(REAL_LETTERS) if REAL_LETTERS.is_dir() else []


@pytest.fixture(scope="session")
def working_rationales() -> list[str]:
    """The rationales of the working half of the real letters (experiments/PROTOCOL.md), or
    none where absent."""
    from imr_ml.corpus.splits import WORKING, real_halves
    from imr_ml.segment.rows import segment_letters

    if not REAL_LETTERS.is_dir():
        return []
    paths = sorted(REAL_LETTERS.glob("*.pdf"))
    working = real_halves(p.stem for p in paths)[WORKING]
    return [row["rationale"] for _, rows in segment_letters([p for p in paths if p.stem in working])
            for row in rows if row["status"] == "ok"]


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """A small model fitted on the committed sample corpus (not models/)."""
    import warnings

    from imr_ml.model import persistence
    from imr_ml.training.config import classifier, load_config
    from imr_ml.training.data import load_items

    cfg = load_config(REPO / "configs" / "default.yaml", [
        f"data.corpora=[{{path: {REPO / 'data' / 'samples'}, kind: synthetic}}]",
        "splits.cv_folds=0", "baselines=[]", "models.decision.features=[word]",
        "models.reasons.features=[word, item_text]",
    ])
    items, _ = load_items(cfg, weak_labels=False)
    with warnings.catch_warnings():  # few items per class for calibration: expected here
        warnings.simplefilter("ignore", UserWarning)
        model = classifier(cfg).fit(items)
    return persistence.save(model, tmp_path_factory.mktemp("model") / "m")
