"""imr_ml.paths: defaults anchored at the project root in a checkout, else the current folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from imr_ml import paths, store
from imr_ml.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]


def test_a_checkout_anchors_the_defaults_at_its_root():
    assert paths.PROJ_ROOT == ROOT
    assert paths.LATEST == ROOT / "models" / "LATEST"
    assert paths.DEFAULT_CONFIG == ROOT / "configs" / "default.yaml"
    assert paths.from_root("data/raw/synth") == ROOT / "data" / "raw" / "synth"
    assert paths.from_root("/elsewhere/corpus") == Path("/elsewhere/corpus")


def test_the_tracking_store_and_the_default_config(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert store.tracking_uri() == f"sqlite:///{ROOT / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://tracking.example:5000")
    assert store.tracking_uri() == "http://tracking.example:5000"
    assert Path(build_parser().parse_args(["train"]).config) == paths.DEFAULT_CONFIG


def test_installed_elsewhere_the_defaults_are_the_current_folders(tmp_path):
    """The same module, as a package installed outside a checkout: relative defaults."""
    package = tmp_path / "site-packages" / "imr_ml"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    shutil.copy(paths.__file__, package / "paths.py")
    show = ("from imr_ml import paths; "
            "print(paths.PROJ_ROOT, paths.LATEST, paths.from_root('data'), sep='|')")
    shown = subprocess.run(
        [sys.executable, "-c", show],
        env={"PYTHONPATH": str(package.parent)}, cwd=tmp_path, capture_output=True,
        text=True, check=True).stdout.strip()
    assert shown == "|".join([".", str(Path("models") / "LATEST"), "data"])
