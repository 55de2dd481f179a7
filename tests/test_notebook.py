"""notebooks/inspect_feature_weights.ipynb runs top to bottom on a model trained here.

Self-contained: a small synthetic corpus and a model fitted on it in a temporary folder,
handed to the notebook through IMR_MODEL_REF / IMR_DATA; IMR_SEED names a missing file so
the notebook's fallback (the first committed sample letter) is exercised. The kernel is the
test's own interpreter (a `python3` kernelspec written to a temporary JUPYTER_PATH).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from imr_ml.corpus.synth import generate
from imr_ml.model import persistence
from imr_ml.training.config import classifier, load_config
from imr_ml.training.data import load_items

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "inspect_feature_weights.ipynb"
MIN_IMAGES = 9  # 6 top-feature charts, branch shares, confusion matrices, calibration


def test_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_notebook_runs_on_a_model_trained_here(tmp_path, monkeypatch):
    generate(60, 3, tmp_path / "synth")
    cfg = load_config(ROOT / "configs" / "default.yaml",
                      [f"data.corpora=[{{path: '{tmp_path / 'synth'}', kind: synthetic}}]"])
    items, _ = load_items(cfg, weak_labels=False)
    persistence.save(classifier(cfg).fit(items), tmp_path / "model")

    kernels = tmp_path / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (test)", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("IMR_MODEL_REF", str(tmp_path / "model"))
    monkeypatch.setenv("IMR_DATA", str(tmp_path / "synth"))
    monkeypatch.setenv("IMR_SEED", str(tmp_path / "no-such-letter.txt"))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=300,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError on the first failing cell

    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    errors = [out for out in outputs if out.output_type == "error"]
    assert not errors
    images = [out for out in outputs if "image/png" in out.get("data", {})]
    assert len(images) >= MIN_IMAGES
    assert Path(nb.cells[-1].outputs[0].text.strip()) == Path(sys.executable)
    text = json.dumps([out.get("data", {}) for out in outputs])
    assert "not here" in text  # said that it fell back to the sample letter
    assert "background:rgba(" in text  # the rationale was rendered with highlights
