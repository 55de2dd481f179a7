"""`imr-ml evaluate --baseline`, and the style holdout on the committed sample corpus."""

from __future__ import annotations

import json
from pathlib import Path

from imr_ml.cli import main
from imr_ml.corpus.splits import letter_styles
from imr_ml.corpus.table import read_meta
from imr_ml.training.config import load_config
from imr_ml.training.train import holdout_split, load_items

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
CONFIG = ROOT / "configs" / "default.yaml"


def _config():
    return load_config(CONFIG, [f"data.corpora=[{{path: {SAMPLES}, kind: synthetic}}]"])


def test_style_holdout_of_generated_letters_shares_no_style():
    cfg = _config()
    items, meta = load_items(cfg, weak_labels=False)
    split = holdout_split(cfg, items, meta)
    styles = letter_styles(read_meta(SAMPLES))
    train = set(items["letter_id"].iloc[split.train])
    test = set(items["letter_id"].iloc[split.test])
    assert train and test and not train & test
    assert not frozenset().union(*styles[sorted(train)]) & frozenset().union(*styles[sorted(test)])
    assert len(train) + len(test) + split.excluded_letters == 50


def test_evaluate_rules_baseline_prints_tables_and_writes_json(tmp_path, capsys):
    out = tmp_path / "metrics.json"
    assert main(["evaluate", "--baseline", "rules", "--data", str(SAMPLES),
                 "--split", "style-holdout", "--config", str(CONFIG), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "baseline:rules" in printed and "no_functional_improvement" in printed
    saved = json.loads(out.read_text())
    metrics = saved["results"]["baseline:rules"]
    assert saved["split"] == "style-holdout"
    assert 0 <= metrics["reasons_required_micro_f1"] <= 1
    assert metrics["decision_n"] > 0
    assert "95% intervals" in printed
    for name in ("decision_macro_f1", "reasons_required_micro_f1"):
        assert metrics[f"{name}_ci_low"] <= metrics[name] <= metrics[f"{name}_ci_high"]
